using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Repository;

/// <summary>
/// Rebuilds the index from the packs alone (their headers describe them): writes a new index listing every readable
/// pack, durably, and only then deletes the index files it replaces. A crash in between leaves both, which is harmless.
/// A pack whose header cannot be read keeps the entries a readable old index has for it: its chunks may well be
/// intact, and the old index is then the only record of where they are.
/// </summary>
public sealed class IndexRebuilder(Repository repository)
{
    private const int PacksPerIndexFile = 4096;

    /// <summary>Rebuilds; returns the packs indexed and the packs whose header could not be read (those are left alone).</summary>
    public async Task<(int Indexed, IReadOnlyList<string> Unreadable)> RunAsync(CancellationToken cancellationToken)
    {
        var oldIndexes = new List<BlobName>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Index, cancellationToken))
        {
            oldIndexes.Add(info.Name);
        }
        var packs = new List<BlobInfo>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Pack, cancellationToken))
        {
            packs.Add(info);
        }
        var unreadable = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var indexed = new System.Collections.Concurrent.ConcurrentQueue<IndexedPack>();
        await Parallel.ForEachAsync(packs, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (info, ct) =>
            {
                try
                {
                    var id = Repository.ParseName(info.Name);
                    indexed.Enqueue(new IndexedPack(id, await ReadHeaderAsync(info, ct)));
                }
                catch (CorruptObjectException e)
                {
                    unreadable.Enqueue($"{info.Name}: {e.Message}");
                }
            });
        var carried = await CarryForwardAsync(oldIndexes, unreadable, cancellationToken);
        var sorted = indexed.Concat(carried).OrderBy(p => p.Pack.ToString(), StringComparer.Ordinal).ToList();
        var supersedes = oldIndexes.Select(Repository.ParseName).ToList();
        for (var start = 0; start < Math.Max(1, sorted.Count); start += PacksPerIndexFile)
        {
            var slice = sorted.Skip(start).Take(PacksPerIndexFile).ToList();
            var bytes = new IndexFile(start == 0 ? supersedes : [], slice).Seal(repository.Key.Box);
            var name = new BlobName(BlobKind.Index, Digest.Sha256(bytes).ToString());
            if (!oldIndexes.Contains(name))
            {
                await repository.Store.PutAsync(name, bytes, cancellationToken);
            }
            oldIndexes.Remove(name);
        }
        foreach (var old in oldIndexes)
        {
            await repository.Store.DeleteAsync(old, cancellationToken);
        }
        return (sorted.Count, [.. unreadable]);
    }

    private async Task<List<IndexedPack>> CarryForwardAsync(List<BlobName> oldIndexes,
        System.Collections.Concurrent.ConcurrentQueue<string> unreadable, CancellationToken cancellationToken)
    {
        var wanted = unreadable.Select(u => u[..u.IndexOf(':')]).ToHashSet(StringComparer.Ordinal);
        var carried = new Dictionary<Digest, IndexedPack>();
        if (wanted.Count == 0)
        {
            return [];
        }
        foreach (var name in oldIndexes)
        {
            IndexFile file;
            try
            {
                file = await repository.ReadIndexFileAsync(name, cancellationToken);
            }
            catch (CorruptObjectException)
            {
                continue; // a damaged old index holds nothing that can be trusted
            }
            foreach (var pack in file.Packs.Where(p => wanted.Contains(new BlobName(BlobKind.Pack, p.Pack.ToString()).ToString())))
            {
                carried.TryAdd(pack.Pack, pack);
            }
        }
        return [.. carried.Values];
    }

    private async Task<List<PackEntry>> ReadHeaderAsync(BlobInfo info, CancellationToken cancellationToken)
    {
        if (info.Size < PackHeader.TrailerSize)
        {
            throw new CorruptObjectException($"pack is only {info.Size} bytes");
        }
        var trailer = new byte[PackHeader.TrailerSize];
        await repository.Store.ReadAtAsync(info.Name, info.Size - PackHeader.TrailerSize, trailer, cancellationToken);
        var length = PackHeader.ReadTrailer(trailer, info.Size);
        var header = new byte[length];
        await repository.Store.ReadAtAsync(info.Name, info.Size - PackHeader.TrailerSize - length, header, cancellationToken);
        return PackHeader.Parse(header, info.Size, repository.Key.Box);
    }
}
