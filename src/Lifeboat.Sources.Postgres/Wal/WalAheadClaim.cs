using System.Globalization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// What a process archiving segments ahead in the background has taken on: its process id and the WAL file names.
/// A push of one of those files waits for its marker while that process runs, instead of compressing the same 16 MiB
/// beside it. Only a hint: a missing, stale or unreadable claim costs a duplicate push, never a wrong answer, because
/// only a marker (written once the segment is durable) ever finishes a push.
/// </summary>
public sealed record WalAheadClaim(int ProcessId, IReadOnlyList<string> Files)
{
    internal const string Tag = "lifeboat-wal-ahead 1";

    /// <summary>The claim's stored form: a tag, the process id, then one file name per line.</summary>
    public string Format() => string.Join('\n', [Tag, ProcessId.ToString(CultureInfo.InvariantCulture), .. Files]) + "\n";

    /// <summary>Parses <see cref="Format"/>'s output; null for anything else (a claim that holds nobody back).</summary>
    public static WalAheadClaim? Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 3 || lines[0] != Tag || lines[^1].Length != 0
            || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return null;
        }
        return new WalAheadClaim(pid, lines[2..^1]);
    }

    /// <summary>
    /// Whether the claiming process still runs and is a Lifeboat process archiving ahead (its command line holds
    /// <c>wal ahead</c>): a process id reused by an unrelated program, or a zombie, holds nobody back.
    /// </summary>
    public bool IsRunning()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
            // The state follows the command name in parentheses, which may itself hold ") ".
            var state = stat.LastIndexOf(") ", StringComparison.Ordinal) is var end and >= 0 && end + 2 < stat.Length ? stat[end + 2] : 'Z';
            return state is not ('Z' or 'X') && File.ReadAllText($"/proc/{ProcessId}/cmdline").Contains("wal\0ahead\0", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
