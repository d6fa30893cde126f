using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Restore;

/// <summary>
/// Reads a file's content chunk by chunk in order: adjacent chunks of one pack in a single ranged read (whole packs
/// through a shared <see cref="PackCache"/> on remote stores), each chunk opened and its ID checked, and the plaintext
/// of consecutive chunks handed on in pieces of up to 256 KiB (one write call for several small chunks). The packs it
/// reads stay open for the next read; one instance serves one caller at a time and must be disposed.
/// </summary>
internal sealed class ContentReader(Repository.Repository repository, PackCache? packs) : IDisposable
{
    private const int MaxRangeBytes = 4 * 1024 * 1024;
    // Small enough to still be in the core's cache when the kernel copies it into the page cache: pieces of 1 MiB made
    // that copy several times dearer than decompressing into them.
    private const int PieceBytes = 256 * 1024;
    private const int OpenPacks = 4;

    // Most recently used first; files restored in pack order mostly read the first one.
    private readonly List<(Digest Pack, IBlobReader Reader)> _open = [];

    /// <summary>The cache to share between the readers of one restore: whole packs for stores that prefer them, else null.</summary>
    public static PackCache? CacheFor(IBlobStore store) => store.PrefersWholeObjects ? new PackCache(store, capacity: 8) : null;

    /// <summary>Where each of the node's chunks is; throws <see cref="CorruptObjectException"/> for a chunk not in the index.</summary>
    public static List<ChunkLocation> Locate(Repository.Repository repository, TreeNode node)
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
    /// Reads the chunks <paramref name="start"/> to <paramref name="end"/> (exclusive) of <paramref name="locations"/>,
    /// stores each chunk's plaintext SHA-256 at its index in <paramref name="chunkHashes"/>, and hands the verified
    /// plaintext to <paramref name="write"/> in order, whole chunks only (the memory is valid only during the call).
    /// Throws <see cref="CorruptObjectException"/> at the first chunk that does not match its ID.
    /// </summary>
    public async Task ReadAsync(IReadOnlyList<ChunkLocation> locations, int start, int end, Digest[] chunkHashes,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        var plain = ChunkBuffers.Rent(PieceBytes);
        var filled = 0;
        try
        {
            var i = start;
            while (i < end)
            {
                // Extend the range over chunks that follow one another in the same pack.
                var first = locations[i];
                var rangeEnd = i + 1;
                long rangeLength = first.Entry.StoredLength;
                while (rangeEnd < end && locations[rangeEnd].Pack == first.Pack
                    && locations[rangeEnd].Entry.Offset == first.Entry.Offset + rangeLength
                    && rangeLength + locations[rangeEnd].Entry.StoredLength <= MaxRangeBytes)
                {
                    rangeLength += locations[rangeEnd].Entry.StoredLength;
                    rangeEnd++;
                }
                var stored = ChunkBuffers.Rent((int)rangeLength);
                try
                {
                    await ReadRangeAsync(first.Pack, first.Entry.Offset, stored.AsMemory(0, (int)rangeLength), cancellationToken);
                    for (var k = i; k < rangeEnd; k++)
                    {
                        var entry = locations[k].Entry;
                        var raw = (int)entry.RawLength;
                        if (filled + raw > plain.Length)
                        {
                            await write(plain.AsMemory(0, filled), cancellationToken);
                            filled = 0;
                            if (raw > plain.Length)
                            {
                                ChunkBuffers.Return(plain);
                                plain = ChunkBuffers.Rent(raw);
                            }
                        }
                        var at = (int)(entry.Offset - first.Entry.Offset);
                        chunkHashes[k] = repository.Sealer.Open(entry, stored.AsSpan(at, (int)entry.StoredLength), plain.AsSpan(filled));
                        filled += raw;
                    }
                }
                finally
                {
                    ChunkBuffers.Return(stored);
                }
                i = rangeEnd;
            }
            if (filled > 0)
            {
                await write(plain.AsMemory(0, filled), cancellationToken);
            }
        }
        finally
        {
            ChunkBuffers.Return(plain);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, reader) in _open)
        {
            reader.Dispose();
        }
        _open.Clear();
    }

    private async ValueTask ReadRangeAsync(Digest pack, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (packs is not null)
        {
            await packs.ReadAsync(pack, offset, destination, cancellationToken);
            return;
        }
        await ReaderOf(pack).ReadAtAsync(offset, destination, cancellationToken);
    }

    private IBlobReader ReaderOf(Digest pack)
    {
        for (var k = 0; k < _open.Count; k++)
        {
            if (_open[k].Pack == pack)
            {
                var found = _open[k];
                _open.RemoveAt(k);
                _open.Insert(0, found);
                return found.Reader;
            }
        }
        var reader = repository.Store.OpenReader(new BlobName(BlobKind.Pack, pack.ToString()));
        _open.Insert(0, (pack, reader));
        if (_open.Count > OpenPacks)
        {
            _open[^1].Reader.Dispose();
            _open.RemoveAt(_open.Count - 1);
        }
        return reader;
    }
}
