using System.Diagnostics;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// A real process that looks like <c>lifeboat wal ahead</c> in /proc, for the checks that a claim's process still runs:
/// bash runs the sleep (the ':' after it keeps bash from replacing itself with sleep), and the extra arguments, its $0
/// and $1, stay in its command line.
/// </summary>
internal static class FakeAheadProcess
{
    /// <summary>Starts it; it lives <paramref name="seconds"/> (a sleep argument) unless killed.</summary>
    public static Process Start(string seconds = "30", bool looksLikeLifeboat = true)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", $"sleep {seconds}; :", .. looksLikeLifeboat ? (string[])["wal", "ahead"] : ["something", "else"]])
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }
}
