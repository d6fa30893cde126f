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
    private readonly PackCache? _packs = repository.Store.PrefersWholeObjects ? new PackCache(repository.Store, capacity: 8) : null;

    private const int MaxRangeBytes = 4 * 1024 * 1024;

    /// <summary>Restores the file; returns null on success or the reason it was not restored.</summary>
    public async Task<string?> RestoreAsync(RestoreItem item, CancellationToken cancellationToken)
    {
        var temporary = TemporaryPath(item.TargetPath);
        try
        {
            var locations = Locate(item);
            using (var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, item.Node.Size))
            {
                var (size, contentHash) = await WriteContentAsync(handle, locations, cancellationToken);
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

    private List<ChunkLocation> Locate(RestoreItem item)
    {
        var content = item.Node.Content ?? [];
        var locations = new List<ChunkLocation>(content.Count);
        foreach (var id in content)
        {
            if (!repository.Index.TryGet(id, out var location))
            {
                throw new CorruptObjectException($"chunk {id.Short} is missing from the repository");
            }
            locations.Add(location);
        }
        return locations;
    }

    private async Task<(long, string)> WriteContentAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle,
        List<ChunkLocation> locations, CancellationToken cancellationToken)
    {
        var chunkHashes = new Digest[locations.Count];
        
        long written = 0;
        var i = 0;
        while (i < locations.Count)
        {
            // Extend the range over chunks that follow one another in the same pack.
            var first = locations[i];
            var end = i + 1;
            long rangeLength = first.Entry.StoredLength;
            while (end < locations.Count && locations[end].Pack == first.Pack
                && locations[end].Entry.Offset == first.Entry.Offset + rangeLength
                && rangeLength + locations[end].Entry.StoredLength <= MaxRangeBytes)
            {
                rangeLength += locations[end].Entry.StoredLength;
                end++;
            }
            var stored = ChunkBuffers.Rent((int)rangeLength);
            try
            {
                if (_packs is not null)
                {
                    await _packs.ReadAsync(first.Pack, first.Entry.Offset, stored.AsMemory(0, (int)rangeLength), cancellationToken);
                }
                else
                {
                    await repository.Store.ReadAtAsync(new BlobName(BlobKind.Pack, first.Pack.ToString()), first.Entry.Offset,
                        stored.AsMemory(0, (int)rangeLength), cancellationToken);
                }
                for (var k = i; k < end; k++)
                {
                    var entry = locations[k].Entry;
                    var plain = ChunkBuffers.Rent((int)entry.RawLength);
                    try
                    {
                        var at = (int)(entry.Offset - first.Entry.Offset);
                        chunkHashes[k] = repository.Sealer.Open(entry, stored.AsSpan(at, (int)entry.StoredLength), plain);
                        var data = plain.AsMemory(0, (int)entry.RawLength);
                        await RandomAccess.WriteAsync(handle, data, written, cancellationToken);
                        written += data.Length;
                        progress.Wrote(data.Length);
                    }
                    finally
                    {
                        ChunkBuffers.Return(plain);
                    }
                }
            }
            finally
            {
                ChunkBuffers.Return(stored);
            }
            i = end;
        }
        return (written, ContentHash.Of(chunkHashes));
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
