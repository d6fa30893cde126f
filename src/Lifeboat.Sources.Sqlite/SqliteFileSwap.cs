using Lifeboat.FileSystem;
using Lifeboat.Restore;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// Puts a restored, verified database file in place of a live one. The current file is kept as
/// <c>NAME.before-restore.YYYYMMDDTHHMMSSZ</c> (a hard link made first, so the live path never disappears), its
/// <c>-wal</c>, <c>-shm</c> and <c>-journal</c> sidecars move with it under the same suffixes (so the kept copy still
/// holds changes not yet checkpointed, and no stale WAL is ever replayed into the restored file), then the restored
/// file is renamed over the live path in one atomic step. Refuses, changing nothing, while any process has the
/// database open: replacing a database under a running application would let it write into the replaced file.
/// </summary>
public sealed class SqliteFileSwap(SqliteDatabaseFile target, TimeProvider clock)
{
    /// <summary>
    /// Throws <see cref="IOException"/> naming the processes that have the target database or one of its sidecars
    /// open, telling the user to stop them first.
    /// </summary>
    public void EnsureNotInUse()
    {
        var users = SqliteFileUsers.Find(target);
        if (users.Count > 0)
        {
            throw new IOException($"{target.Path} is open in {string.Join(", ", users)}; stop the application using it and run the restore again (nothing was changed)");
        }
    }

    /// <summary>
    /// Gives <paramref name="restored"/> the current file's owner and mode (when there is one; otherwise those
    /// <paramref name="recorded"/> at backup, the owner only as root; without either it keeps its own), moves the
    /// current file and its sidecars aside and renames <paramref name="restored"/> into place. Returns the path the
    /// current file was kept under, or null when there was none. On failure the live file is left as it was.
    /// </summary>
    public string? SwapIn(string restored, SqliteFileOwnership? recorded = null)
    {
        EnsureNotInUse();
        var exists = File.Exists(target.Path);
        var sidecars = SqliteDatabaseFile.SidecarSuffixes.Where(s => File.Exists(target.Sidecar(s))).ToList();
        string? aside = null;
        if (exists)
        {
            var current = Posix.LStat(target.Path);
            if (Posix.CurrentUid == 0)
            {
                Posix.LChown(restored, current.Uid, current.Gid);
            }
            Posix.Chmod(restored, current.Permissions);
        }
        else if (recorded is not null)
        {
            if (Posix.CurrentUid == 0)
            {
                Posix.LChown(restored, recorded.Uid, recorded.Gid);
            }
            Posix.Chmod(restored, recorded.Mode);
        }
        if (exists || sidecars.Count > 0)
        {
            aside = AsidePath();
        }
        var moved = new List<string>();
        var linked = false;
        try
        {
            if (exists)
            {
                Posix.Link(target.Path, aside!);
                linked = true;
            }
            foreach (var suffix in sidecars)
            {
                File.Move(target.Sidecar(suffix), aside + suffix);
                moved.Add(suffix);
            }
            File.Move(restored, target.Path, overwrite: true);
        }
        catch
        {
            foreach (var suffix in moved)
            {
                File.Move(aside + suffix, target.Sidecar(suffix));
            }
            if (linked)
            {
                File.Delete(aside!);
            }
            throw;
        }
        Posix.SyncFileSystem(Path.GetDirectoryName(target.Path)!);
        return exists ? aside : null;
    }

    // Two restores within one second: a counter keeps the earlier kept copy.
    private string AsidePath() => AsideName.For(target.Path, clock, Taken);

    private static bool Taken(string path) =>
        File.Exists(path) || SqliteDatabaseFile.SidecarSuffixes.Any(s => File.Exists(path + s));
}
