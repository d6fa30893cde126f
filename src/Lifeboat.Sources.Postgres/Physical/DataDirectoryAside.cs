using System.Globalization;
using Lifeboat.Restore;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// Keeps an existing data directory aside before a restore replaces it, as the Redis and SQLite restores keep the file
/// they replace: a PostgreSQL data directory (it holds PG_VERSION) is renamed to <c>DIR.before-restore.&lt;UTC time&gt;</c>
/// (<see cref="AsideName"/>), unless a server runs on it (postmaster.pid names a live process). A directory that is
/// not empty and not a data directory is refused: it was most likely named by mistake.
/// </summary>
internal static class DataDirectoryAside
{
    /// <summary>
    /// Moves <paramref name="target"/> aside when it is a non-empty data directory and returns where it went; null when
    /// it is missing or empty. Throws <see cref="IOException"/> (nothing moved) when a server runs on it or it is not a
    /// data directory.
    /// </summary>
    public static string? MoveAside(string target, TimeProvider clock)
    {
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any())
        {
            return null;
        }
        if (!File.Exists(Path.Combine(target, "PG_VERSION")))
        {
            throw new IOException($"--target-dir {target} is not empty and not a PostgreSQL data directory (no PG_VERSION); restore into a new or empty directory, "
                + "or into a data directory, which is kept aside as DIR.before-restore.<UTC time> (nothing was changed)");
        }
        if (RunningServer(target) is { } pid)
        {
            throw new IOException($"a PostgreSQL server (process {pid}, postmaster.pid) is running on {target}: stop it first (pg_ctl -D {target} stop); "
                + "the restore then keeps the directory aside as DIR.before-restore.<UTC time> (nothing was changed)");
        }
        var aside = AsideName.For(target, clock, p => Directory.Exists(p) || File.Exists(p));
        Directory.Move(target, aside);
        return aside;
    }

    // postmaster.pid's first line is the postmaster's process ID; a process that has ended (or a zombie) is no server.
    private static int? RunningServer(string target)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(target, "postmaster.pid"));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var first = text.Split('\n')[0].Trim();
        if (!int.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pid))
        {
            throw new IOException($"{Path.Combine(target, "postmaster.pid")} does not start with a process ID; if no server runs on {target}, remove it (nothing was changed)");
        }
        // A standalone backend writes its PID negated.
        pid = Math.Abs(pid);
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var end = stat.LastIndexOf(") ", StringComparison.Ordinal);
            return end >= 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X' ? null : pid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
