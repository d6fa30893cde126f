using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Repository;
using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>
/// Writes files: splits each into parts that workers restore independently (each chunk opened and its ID checked,
/// the plaintext written at its offset), and when a file's last part is done checks its size and content hash (built
/// from the chunk hashes just verified) and renames the temporary file into place only when both match.
/// </summary>
internal sealed class FileRestorer(Repository.Repository repository, RestoreProgress progress, long partBytes)
{
    private const long EarlyWritebackBytes = 1024 * 1024;

    /// <summary>
    /// The parts that restore <paramref name="item"/>, in file order, all of one <see cref="RestoringFile"/>. Throws
    /// <see cref="CorruptObjectException"/> when a chunk is missing from the index.
    /// </summary>
    public List<FilePart> Plan(RestoreItem item)
    {
        var locations = ContentReader.Locate(repository, item.Node);
        var parts = new List<(int Start, int End, long Offset)>();
        long offset = 0, partOffset = 0;
        var start = 0;
        for (var k = 0; k < locations.Count; k++)
        {
            offset += locations[k].Entry.RawLength;
            if (offset - partOffset >= partBytes || k == locations.Count - 1)
            {
                parts.Add((start, k + 1, partOffset));
                start = k + 1;
                partOffset = offset;
            }
        }
        if (parts.Count == 0)
        {
            parts.Add((0, 0, 0)); // an empty file is still created, checked and renamed
        }
        var file = new RestoringFile(item, locations, parts.Count);
        return [.. parts.Select(p => new FilePart(file, p.Start, p.End, p.Offset))];
    }

    /// <summary>
    /// Restores one part. Returns the file when this was its last part to finish (it is then in place, or its
    /// <see cref="RestoringFile.Failure"/> says why not), else null. I/O and verification failures are recorded on the
    /// file; anything else is thrown, and the caller abandons the files left unfinished.
    /// </summary>
    public async Task<RestoringFile?> RestorePartAsync(FilePart part, ContentReader reader, CancellationToken cancellationToken)
    {
        var file = part.File;
        if (file.Failure is null)
        {
            try
            {
                var handle = file.Open();
                var offset = part.Offset;
                await reader.ReadAsync(file.Locations, part.Start, part.End, file.ChunkHashes, (data, _) =>
                {
                    // On the worker's own thread: an asynchronous file write is a thread-pool hop per call on Linux.
                    RandomAccess.Write(handle, data.Span, offset);
                    offset += data.Length;
                    file.Wrote(data.Length);
                    progress.Wrote(data.Length);
                    return ValueTask.CompletedTask;
                }, cancellationToken);
                // Durability still comes from the restore's one syncfs at the end; started now, the disk writes of
                // large parts overlap the rest of the restore instead of all waiting for that flush. Small files are
                // left to it: one request per small file cost more (a device notification each) than it saved.
                if (offset - part.Offset >= EarlyWritebackBytes)
                {
                    Posix.StartWriteback(handle, part.Offset, offset - part.Offset, file.TemporaryPath);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                file.Fail(e.Message);
            }
        }
        if (!file.PartDone())
        {
            return null;
        }
        Finish(file);
        return file;
    }

    /// <summary>
    /// A short temporary name beside <paramref name="path"/> (".lb-" and 16 hex characters), so a file whose own name is
    /// near the 255-byte limit can still be written under a temporary name first.
    /// </summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, ".lb-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));

    private void Finish(RestoringFile file)
    {
        try
        {
            if (file.Failure is null)
            {
                file.Open();
                var node = file.Item.Node;
                var size = file.Written;
                if (size != node.Size || !string.Equals(ContentHash.Of(file.ChunkHashes), node.ContentHash, StringComparison.Ordinal))
                {
                    throw new CorruptObjectException($"restored content does not match the snapshot (size {size} vs {node.Size}, or the content hash differs)");
                }
                file.Place(temporary => Metadata.Apply(temporary, node, isSymlink: false));
                progress.FileDone();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Fail(e.Message);
        }
        finally
        {
            file.Abandon();
        }
    }
}
