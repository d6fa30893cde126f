using Lifeboat.FileSystem;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// Restores a <c>sqlite</c> snapshot: the database is written to a new file (its content hash verified), checked by
/// <see cref="SqliteVerifier"/> (integrity, the row counts the backup recorded, the caller's queries), and only then
/// either kept as a scratch copy or swapped in place of the live file by <see cref="SqliteFileSwap"/>. A failed
/// check deletes the new file and leaves the live one untouched.
/// </summary>
public sealed class SqliteRestorer(SnapshotFileReader reader, TimeProvider clock)
{
    /// <summary>
    /// Restores into a new file in <paramref name="scratchDirectory"/> (named as the snapshot stores it; never
    /// overwrites) and verifies it there.
    /// </summary>
    public async Task<SqliteRestoreResult> RestoreToScratchAsync(Snapshot snapshot, string scratchDirectory, IReadOnlyList<SqliteVerifyQuery> queries,
        TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        var node = await FindAsync(snapshot, cancellationToken);
        Directory.CreateDirectory(scratchDirectory);
        var database = new SqliteDatabaseFile(Path.Combine(scratchDirectory, node.Name));
        var verification = await RestoreVerifiedAsync(node, database, snapshot, queries, busyTimeout, cancellationToken);
        return new SqliteRestoreResult(database.Path, null, node.Size, verification);
    }

    /// <summary>
    /// Restores beside <paramref name="targetPath"/>, verifies, and swaps the result in (see <see cref="SqliteFileSwap"/>).
    /// Refuses before reading anything when the live database is open in another process. A missing directory is
    /// created, the database's own with the mode (and owner, as root) recorded at backup; it is removed again when the
    /// restore fails.
    /// </summary>
    public async Task<SqliteRestoreResult> RestoreOverAsync(Snapshot snapshot, string targetPath, IReadOnlyList<SqliteVerifyQuery> queries,
        TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        // A symbolic link is followed: the database it points to is what gets replaced (and kept aside), not the link.
        var link = new FileInfo(targetPath);
        var target = new SqliteDatabaseFile(link.LinkTarget is null ? targetPath : link.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        if (Directory.Exists(target.Path))
        {
            throw new ArgumentException($"--target {target.Path} is a directory; name the database file (or use --scratch DIR)");
        }
        var recorded = SqliteFileOwnership.From(snapshot.Source);
        var swap = new SqliteFileSwap(target, clock);
        swap.EnsureNotInUse();
        var node = await FindAsync(snapshot, cancellationToken);
        // A directory lost with the database is created (as recorded at backup), and removed again if the restore fails.
        var created = CreateDirectories(Path.GetDirectoryName(target.Path)!, recorded);
        try
        {
            return await RestoreBesideAsync(snapshot, node, target, swap, recorded, queries, busyTimeout, cancellationToken);
        }
        catch
        {
            foreach (var directory in Enumerable.Reverse(created))
            {
                if (!Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    Directory.Delete(directory);
                }
            }
            throw;
        }
    }

    private async Task<SqliteRestoreResult> RestoreBesideAsync(Snapshot snapshot, TreeNode node, SqliteDatabaseFile target, SqliteFileSwap swap,
        SqliteFileOwnership? recorded, IReadOnlyList<SqliteVerifyQuery> queries, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        var free = new DriveInfo(Path.GetDirectoryName(target.Path)!).AvailableFreeSpace;
        if (free < node.Size)
        {
            throw new IOException($"restoring {target.Path} needs {node.Size} bytes beside it but its file system has {free} free " +
                "(the current file stays until the restored one is verified, so both must fit); free space there, or restore with --scratch elsewhere");
        }
        // Beside the target, so the final rename stays within one file system and is atomic.
        var restored = new SqliteDatabaseFile(Path.Combine(Path.GetDirectoryName(target.Path)!,
            $".{Path.GetFileName(target.Path)}.restoring-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}"));
        var verification = await RestoreVerifiedAsync(node, restored, snapshot, queries, busyTimeout, cancellationToken);
        try
        {
            var aside = swap.SwapIn(restored.Path, recorded);
            return new SqliteRestoreResult(target.Path, aside, node.Size, verification);
        }
        catch
        {
            Delete(restored);
            throw;
        }
    }

    // The missing directories up to 'directory', outermost first; the database's own directory gets the recorded mode
    // (and owner, as root), so the application can create its -wal and -journal files there again.
    private static List<string> CreateDirectories(string directory, SqliteFileOwnership? recorded)
    {
        var missing = new List<string>();
        for (var d = directory; !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Insert(0, d);
        }
        foreach (var d in missing)
        {
            Directory.CreateDirectory(d);
        }
        if (missing.Count > 0 && recorded is not null)
        {
            if (Posix.CurrentUid == 0)
            {
                Posix.LChown(directory, recorded.DirectoryUid, recorded.DirectoryGid);
            }
            Posix.Chmod(directory, recorded.DirectoryMode);
        }
        return missing;
    }

    private async Task<TreeNode> FindAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Source.TryGetValue("stream", out var stream))
        {
            return await reader.FindAsync(snapshot, stream, cancellationToken);
        }
        var databases = (await reader.ListAsync(snapshot, cancellationToken)).Where(n => n.Type == TreeNode.File && n.Name.EndsWith(".db", StringComparison.Ordinal)).ToList();
        return databases.Count == 1 ? databases[0]
            : throw new ArgumentException($"the snapshot holds {databases.Count} .db files and does not record which one is the database");
    }

    private async Task<SqliteVerification> RestoreVerifiedAsync(TreeNode node, SqliteDatabaseFile database, Snapshot snapshot,
        IReadOnlyList<SqliteVerifyQuery> queries, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        await reader.RestoreToFileAsync(node, database.Path, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        try
        {
            var verification = await Task.Run(() => SqliteVerifier.Verify(database, snapshot.Source, queries, busyTimeout), cancellationToken);
            // Opening a WAL database creates -wal and -shm beside it; they belong to no one once it is closed, and
            // must not follow the file anywhere.
            DeleteSidecars(database);
            return verification;
        }
        catch
        {
            Delete(database);
            throw;
        }
    }

    private static void Delete(SqliteDatabaseFile database)
    {
        File.Delete(database.Path);
        DeleteSidecars(database);
    }

    private static void DeleteSidecars(SqliteDatabaseFile database)
    {
        foreach (var suffix in SqliteDatabaseFile.SidecarSuffixes)
        {
            File.Delete(database.Sidecar(suffix));
        }
    }
}
