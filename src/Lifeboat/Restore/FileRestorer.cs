using System.Buffers;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Restore;

/// <summary>
/// Writes one file: reads its chunks (adjacent chunks of one pack in a single ranged read), opens and verifies each,
/// rebuilds the content hash from the bytes written, and renames the temporary file into place only when it matches.
/// </summary>
internal sealed class FileRestorer(Repository.Repository repository, RestoreProgress progress)
{
    private readonly ContentReader _content = new(repository);

    /// <summary>Restores the file; returns null on success or the reason it was not restored.</summary>
    public async Task<string?> RestoreAsync(RestoreItem item, CancellationToken cancellationToken)
    {
        var temporary = TemporaryPath(item.TargetPath);
        try
        {
            var locations = Locate(item);
            // Owner-only until the snapshot's mode is applied: a key or .env file is never readable by others while
            // it is written under its temporary name (the umask default would be 0644).
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0,
                PreallocationSize = item.Node.Size, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                var (size, contentHash) = await WriteContentAsync(file.SafeFileHandle, locations, cancellationToken);
                if (size != item.Node.Size || !string.Equals(contentHash, item.Node.ContentHash, StringComparison.Ordinal))
                {
                    throw new CorruptObjectException($"restored content does not match the snapshot (size {size} vs {item.Node.Size}, or the content hash differs)");
                }
            }
            Metadata.Apply(temporary, item.Node, isSymlink: false);
            File.Move(temporary, item.TargetPath, overwrite: true);
            progress.FileDone();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return e.Message;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// A short temporary name beside <paramref name="path"/> (".lb-" and 16 hex characters), so a file whose own name is
    /// near the 255-byte limit can still be written under a temporary name first.
    /// </summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, ".lb-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));

    private List<ChunkLocation> Locate(RestoreItem item) => _content.Locate(item.Node);

    private async Task<(long, string)> WriteContentAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle,
        List<ChunkLocation> locations, CancellationToken cancellationToken)
    {
        long written = 0;
        var contentHash = await _content.ReadAsync(locations, async (data, ct) =>
        {
            await RandomAccess.WriteAsync(handle, data, written, ct);
            written += data.Length;
            progress.Wrote(data.Length);
        }, cancellationToken);
        return (written, contentHash);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure is what the caller reports; a leftover temporary name is never a final name.
        }
    }
}
