using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Restore;

/// <summary>
/// Reads a file's content chunk by chunk in order: adjacent chunks of one pack in a single ranged read (whole packs
/// through a small cache on remote stores), each chunk opened and its ID checked. Returns the content hash of what
/// was read, for the caller to compare with the snapshot's.
/// </summary>
internal sealed class ContentReader(Repository.Repository repository)
{
    private const int MaxRangeBytes = 4 * 1024 * 1024;

    private readonly PackCache? _packs = repository.Store.PrefersWholeObjects ? new PackCache(repository.Store, capacity: 8) : null;

    /// <summary>Where each of the node's chunks is; throws <see cref="CorruptObjectException"/> for a chunk not in the index.</summary>
    public List<ChunkLocation> Locate(TreeNode node)
    {
        var content = node.Content ?? [];
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

    /// <summary>
    /// Hands each chunk's verified plaintext to <paramref name="write"/> in order (the memory is valid only during the
    /// call) and returns the content hash over the chunks read.
    /// </summary>
    public async Task<string> ReadAsync(List<ChunkLocation> locations, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write,
        CancellationToken cancellationToken)
    {
        var chunkHashes = new Digest[locations.Count];
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
                        await write(plain.AsMemory(0, (int)entry.RawLength), cancellationToken);
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
        return ContentHash.Of(chunkHashes);
    }
}
