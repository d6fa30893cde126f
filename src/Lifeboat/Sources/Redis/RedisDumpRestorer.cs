using Lifeboat.FileSystem;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// Puts a snapshot's <c>dump.rdb</c> back: into a Redis data directory, swapped in atomically with the current file
/// kept aside, or into a fresh scratch <c>redis-server</c> whose key counts are checked against the snapshot's.
/// </summary>
public sealed class RedisDumpRestorer(SnapshotFileReader reader, TimeProvider clock)
{
    /// <summary>The file name Redis loads by default.</summary>
    public const string DumpName = "dump.rdb";

    /// <summary>
    /// Writes the dump to <c>directory/dump.rdb</c>. The content is first restored and verified under a temporary name
    /// in that directory; only then <paramref name="stopCommand"/> runs (through <c>/bin/sh -c</c>), an existing
    /// <c>dump.rdb</c> is renamed to <c>dump.rdb.before-restore.&lt;UTC time&gt;</c>, the new file is renamed into place and
    /// <paramref name="startCommand"/> runs. The new file takes the old one's mode and owner (0600 and this user when
    /// there was none). A failure before the swap changes nothing and leaves no temporary file. Returns the path kept
    /// aside, or null.
    /// </summary>
    public async Task<string?> RestoreToDirectoryAsync(TreeNode node, string directory, string? stopCommand, string? startCommand,
        CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"the target directory {directory} does not exist: give Redis's data directory (its 'dir' setting)");
        }
        var target = Path.Combine(directory, DumpName);
        var staging = FileRestorer.TemporaryPath(target);
        string? aside = null;
        try
        {
            await reader.RestoreToFileAsync(node, staging, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
            if (stopCommand is not null)
            {
                await RunAsync("stop", stopCommand, cancellationToken);
            }
            if (File.Exists(target))
            {
                var old = Posix.LStat(target);
                File.SetUnixFileMode(staging, File.GetUnixFileMode(target));
                if (Posix.CurrentUid == 0)
                {
                    Posix.LChown(staging, old.Uid, old.Gid);
                }
                // Two restores within one second get distinct names: an earlier kept copy is never replaced.
                aside = AsideName.For(target, clock, path => Path.Exists(path));
                File.Move(target, aside);
            }
            File.Move(staging, target);
            Posix.SyncFileSystem(directory);
        }
        finally
        {
            File.Delete(staging);
        }
        if (startCommand is not null)
        {
            try
            {
                await RunAsync("start", startCommand, cancellationToken);
            }
            catch (IOException e)
            {
                throw new IOException($"{target} was restored{(aside is null ? "" : $" ({aside} holds the previous file)")}, but the start command failed: {e.Message}", e);
            }
        }
        return aside;
    }

    /// <summary>
    /// Restores the dump into a new temporary directory, starts a scratch <c>redis-server</c> on it and compares its
    /// key counts with those <paramref name="snapshot"/> recorded. The caller owns the returned server (disposing it
    /// stops it) and deletes its directory.
    /// </summary>
    public async Task<(ScratchRedisServer Server, RedisKeyCountCheck Check)> RestoreToScratchAsync(Snapshot snapshot, TreeNode node,
        TimeSpan loadTimeout, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("lifeboat-redis-").FullName;
        ScratchRedisServer? server = null;
        try
        {
            await reader.RestoreToFileAsync(node, Path.Combine(directory, DumpName), overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
            server = await ScratchRedisServer.StartAsync(directory, [], null, loadTimeout, cancellationToken);
            var check = RedisKeyCountCheck.Compare(snapshot.Source, await server.KeyCountsAsync(cancellationToken));
            return (server, check);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    private static async Task RunAsync(string what, string command, CancellationToken cancellationToken)
    {
        await using var child = ChildProcess.Start("/bin/sh", ["-c", command], readStdout: false);
        try
        {
            await child.EnsureSuccessAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new IOException($"the {what} command '{command}' failed ({e.Message}); {(what == "stop" ? "nothing was changed" : "")}".TrimEnd(' ', ';'), e);
        }
    }
}
