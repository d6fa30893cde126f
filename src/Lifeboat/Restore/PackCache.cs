using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Storage;

namespace Lifeboat.Restore;

/// <summary>
/// For stores where every request is a network round trip: keeps the few most recently used packs whole in memory,
/// so files restored in pack order read each pack once instead of once per file. Thread-safe; a pack being fetched is
/// fetched once, however many files wait for it.
/// </summary>
internal sealed class PackCache(IBlobStore store, int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(Digest Pack, Task<byte[]> Bytes)> _recent = new();

    /// <summary>Copies a range of a pack into <paramref name="destination"/>.</summary>
    public async Task ReadAsync(Digest pack, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var bytes = await GetAsync(pack, cancellationToken);
        if (offset + destination.Length > bytes.Length)
        {
            throw new CorruptObjectException($"pack {pack.Short} is shorter than its index says");
        }
        bytes.AsMemory((int)offset, destination.Length).CopyTo(destination);
    }

    private Task<byte[]> GetAsync(Digest pack, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            for (var node = _recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Pack == pack)
                {
                    _recent.Remove(node);
                    _recent.AddFirst(node);
                    return node.Value.Bytes;
                }
            }
            var fetch = store.GetAsync(new BlobName(BlobKind.Pack, pack.ToString()), cancellationToken);
            _recent.AddFirst((pack, fetch));
            while (_recent.Count > capacity)
            {
                _recent.RemoveLast();
            }
            return fetch;
        }
    }
}
