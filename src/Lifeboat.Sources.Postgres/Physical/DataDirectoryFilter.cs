using System.Collections.Concurrent;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// What a base backup read straight from a data directory leaves out, as pg_basebackup does: the contents of
/// pg_wal (recovery takes WAL from the archive; pg_wal/archive_status is kept, empty) and of the folders PostgreSQL
/// rebuilds at start (pg_replslot, pg_dynshmem, pg_notify, pg_serial, pg_snapshots, pg_stat_tmp, pg_subtrans), the
/// files of a running or backed-up server (postmaster.pid, postmaster.opts, backup_label, tablespace_map,
/// backup_manifest, *.tmp of the auto.conf and log file list), relcache init files, temporary files, every fork but
/// the init fork of unlogged relations (reset at recovery anyway), Unix sockets and their lock files (<c>.s.PGSQL.*</c>,
/// there when unix_socket_directories names the data directory), Lifeboat's own WAL spool, and the WAL fetch script
/// with its secrets that earlier restores left in the data directory. global/pg_control is
/// left out of the walk too: like pg_basebackup, the backup reads it last (<see cref="DataDirectoryBackup"/>).
/// Thread-safe.
/// </summary>
public sealed class DataDirectoryFilter(string root)
{
    private static readonly HashSet<string> EmptiedFolders = new(StringComparer.Ordinal)
    {
        "pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans",
    };

    private static readonly HashSet<string> TopLevelFiles = new(StringComparer.Ordinal)
    {
        "postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "backup_manifest",
        "postgresql.auto.conf.tmp", "current_logfiles.tmp", "lifeboat-spool", "lifeboat-wal-fetch.sh",
    };

    // A server's socket is .s.PGSQL.<port> and its lock file .s.PGSQL.<port>.lock.
    private const string SocketPrefix = ".s.PGSQL.";

    /// <summary>The control file's path inside the data directory.</summary>
    public const string ControlFile = "global/pg_control";

    private readonly string _root = Path.GetFullPath(root).TrimEnd('/');
    private readonly ConcurrentDictionary<string, HashSet<string>> _unlogged = new(StringComparer.Ordinal);

    /// <summary>Whether the entry at <paramref name="fullPath"/> (below the root) named <paramref name="name"/> is left out.</summary>
    public bool IsExcluded(string fullPath, string name)
    {
        if (!fullPath.StartsWith(_root + "/", StringComparison.Ordinal))
        {
            return false;
        }
        var relative = fullPath[(_root.Length + 1)..];
        var slash = relative.IndexOf('/');
        if (slash < 0)
        {
            return TopLevelFiles.Contains(relative) || relative.StartsWith(SocketPrefix, StringComparison.Ordinal);
        }
        if (relative == ControlFile)
        {
            return true;
        }
        var top = relative[..slash];
        if (EmptiedFolders.Contains(top))
        {
            return relative != "pg_wal/archive_status";
        }
        if (name == "pg_internal.init" || name.StartsWith("pgsql_tmp", StringComparison.Ordinal))
        {
            return true;
        }
        // base/<database oid>/<relfilenode>[_fork][.segment]
        return top == "base" && relative.Count(c => c == '/') == 2 && IsUnloggedFork(Path.GetDirectoryName(fullPath)!, name);
    }

    private bool IsUnloggedFork(string database, string name)
    {
        var digits = 0;
        while (digits < name.Length && char.IsAsciiDigit(name[digits]))
        {
            digits++;
        }
        if (digits == 0 || name.AsSpan(digits).StartsWith("_init"))
        {
            return false;
        }
        return _unlogged.GetOrAdd(database, InitForks).Contains(name[..digits]);
    }

    private static HashSet<string> InitForks(string database)
    {
        try
        {
            return [.. Directory.EnumerateFiles(database, "*_init").Select(f => Path.GetFileName(f)[..^"_init".Length])];
        }
        catch (DirectoryNotFoundException)
        {
            // A database dropped during the backup: its files vanish too, and recovery replays the drop.
            return [];
        }
    }
}
