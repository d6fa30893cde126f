using Lifeboat.Crypto;
using Lifeboat.Locking;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Maintenance;

/// <summary>
/// Removes data no snapshot needs. It must run under an exclusive lock. It refuses to start on an incomplete view:
/// a damaged snapshot, tree or index, a used chunk missing from the index, or a pack listing that lacks indexed packs
/// all abort it before anything is deleted. Order of work, so a crash anywhere leaves a consistent repository and a
/// second prune finishes the job: write repacked packs (durable) → write the new index → delete the old index files →
/// delete packs that are no longer needed. Packs no index lists and partial objects (<see cref="IBlobStore.ListPartialAsync"/>)
/// are left by killed or failed backups and nothing refers to them: they are deleted first, once the used chunks are
/// known to be indexed, so a prune frees space even on a disk too full to write the new index. A partial object is
/// deleted only when no writer can still be using it: prune holds the exclusive lock, and a writer that holds none (run
/// records, WAL objects) or lost its lock stops writing; one not written to for <see cref="LockManager.StaleAfter"/> is taken
/// as abandoned, as a lock not refreshed for that long is.
/// </summary>
public sealed class Pruner(Repository.Repository repository, TimeProvider? clock = null)
{
    /// <summary>Runs prune. The repository's index must not be loaded yet (prune loads it strictly).</summary>
    public async Task<PruneReport> RunAsync(PruneOptions options, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        progress?.Report("loading indexes");
        var oldIndexes = new List<BlobName>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Index, cancellationToken))
        {
            oldIndexes.Add(info.Name);
            foreach (var pack in (await repository.ReadIndexFileAsync(info.Name, cancellationToken)).Packs)
            {
                repository.Index.AddPack(pack.Pack, pack.Entries);
            }
        }
        var packSizes = new Dictionary<Digest, long>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Pack, cancellationToken))
        {
            if (Digest.TryParse(info.Name.Name, out var id))
            {
                packSizes[id] = info.Size;
            }
        }
        var indexed = repository.Index.EntriesByPack();
        var missing = indexed.Keys.Count(p => !packSizes.ContainsKey(p));
        if (missing > 0 && missing > indexed.Count * options.MaxMissingPacks)
        {
            throw new InvalidOperationException($"the pack listing lacks {missing} of {indexed.Count} indexed packs; it is not trusted, so nothing was deleted. Run 'lifeboat check'.");
        }

        progress?.Report("finding used chunks");
        var used = await UsedChunksAsync(cancellationToken);
        foreach (var id in used)
        {
            if (!repository.Index.Contains(id))
            {
                throw new InvalidOperationException($"chunk {id.Short} is used by a snapshot but not indexed; run 'lifeboat repair index' and 'lifeboat check' before pruning. Nothing was deleted.");
            }
        }

        // Only the location the index resolves to counts as used; another copy of a chunk in another pack is garbage.
        var keep = new List<IndexedPack>();
        var repack = new List<(Digest Pack, List<PackEntry> Used)>();
        var delete = new List<Digest>();
        foreach (var (pack, entries) in indexed)
        {
            if (!packSizes.TryGetValue(pack, out var size))
            {
                continue; // missing but tolerated by the threshold: left to check to report
            }
            var live = entries.Where(e => used.Contains(e.Id) && repository.Index.TryGet(e.Id, out var at) && at.Pack == pack).ToList();
            var liveBytes = live.Sum(e => (long)e.StoredLength);
            if (live.Count == 0)
            {
                delete.Add(pack);
            }
            else if (liveBytes < size * options.RepackBelow)
            {
                repack.Add((pack, live));
            }
            else
            {
                keep.Add(new IndexedPack(pack, entries));
            }
        }
        var unindexed = packSizes.Keys.Where(p => !indexed.ContainsKey(p)).ToList();
        var writtenBefore = (clock ?? TimeProvider.System).GetUtcNow() - LockManager.StaleAfter;
        var partials = new List<PartialObject>();
        await foreach (var partial in repository.Store.ListPartialAsync(cancellationToken))
        {
            partials.Add(partial);
        }
        var abandoned = partials.Where(p => p.LastWrite < writtenBefore).ToList();
        var report = new PruneReport
        {
            PacksDeleted = delete.Count,
            PacksRepacked = repack.Count,
            UnindexedDeleted = unindexed.Count,
            BytesDeleted = delete.Concat(repack.Select(r => r.Pack)).Concat(unindexed).Sum(p => packSizes[p]),
            PartialDeleted = abandoned.Count,
            PartialBytesDeleted = abandoned.Sum(p => p.Size),
            PartialKept = partials.Count - abandoned.Count,
            ChunksUsed = used.Count,
            DryRun = options.DryRun,
        };
        if (options.DryRun)
        {
            return report;
        }

        progress?.Report("deleting leftovers of interrupted backups");
        foreach (var pack in unindexed)
        {
            await repository.Store.DeleteAsync(new BlobName(BlobKind.Pack, pack.ToString()), cancellationToken);
        }
        var partialDeleted = 0;
        long partialBytes = 0;
        foreach (var partial in abandoned)
        {
            if (await repository.Store.DeletePartialAsync(partial, writtenBefore, cancellationToken))
            {
                partialDeleted++;
                partialBytes += partial.Size;
            }
        }
        report = report with
        {
            PartialDeleted = partialDeleted,
            PartialBytesDeleted = partialBytes,
            PartialKept = partials.Count - partialDeleted,
        };

        progress?.Report($"repacking {repack.Count} packs");
        var (written, writtenBytes) = await RepackAsync(repack, keep, cancellationToken);

        progress?.Report("writing the new index");
        var supersedes = oldIndexes.Select(global::Lifeboat.Repository.Repository.ParseName).ToList();
        var newIndex = new IndexFile(supersedes, keep).Seal(repository.Key.Box);
        var newName = new BlobName(BlobKind.Index, Digest.Sha256(newIndex).ToString());
        if (!oldIndexes.Contains(newName))
        {
            await repository.Store.PutAsync(newName, newIndex, cancellationToken);
        }
        foreach (var old in oldIndexes.Where(o => o != newName))
        {
            await repository.Store.DeleteAsync(old, cancellationToken);
        }

        progress?.Report("deleting unused packs");
        foreach (var pack in delete.Concat(repack.Select(r => r.Pack)))
        {
            await repository.Store.DeleteAsync(new BlobName(BlobKind.Pack, pack.ToString()), cancellationToken);
        }
        return report with { PacksWritten = written, BytesWritten = writtenBytes };
    }

    private async Task<HashSet<Digest>> UsedChunksAsync(CancellationToken cancellationToken)
    {
        var used = new HashSet<Digest>();
        var trees = new TreeReader(repository);
        await foreach (var info in repository.Store.ListAsync(BlobKind.Snapshot, cancellationToken))
        {
            if (!Digest.TryParse(info.Name.Name, out var id))
            {
                continue;
            }
            // A damaged snapshot (or tree) throws here: its chunks cannot be enumerated, so nothing may be deleted.
            var snapshot = await repository.LoadSnapshotAsync(id, cancellationToken);
            var root = TreeReader.ParseId(snapshot.Tree);
            if (used.Add(root))
            {
                await AddTreeAsync(trees, root, used, cancellationToken);
            }
        }
        return used;
    }

    private static async Task AddTreeAsync(TreeReader trees, Digest id, HashSet<Digest> used, CancellationToken cancellationToken)
    {
        foreach (var node in (await trees.LoadAsync(id, cancellationToken)).Nodes)
        {
            foreach (var chunk in node.Content ?? [])
            {
                used.Add(chunk);
            }
            if (node.Subtree is { } subtree && used.Add(subtree))
            {
                await AddTreeAsync(trees, subtree, used, cancellationToken);
            }
        }
    }

    // Copies the still-used chunks into new packs, checking each one (decrypt, decompress, re-hash) so repacking never
    // carries damage forward; adds the new packs to `keep`.
    private async Task<(int, long)> RepackAsync(List<(Digest Pack, List<PackEntry> Used)> repack, List<IndexedPack> keep, CancellationToken cancellationToken)
    {
        var written = 0;
        long bytes = 0;
        PackWriter? writer = null;
        async Task CommitAsync()
        {
            var finished = await writer!.FinishAsync(repository.Key.Box, cancellationToken);
            await writer.DisposeAsync();
            writer = null;
            await using (finished.Writer)
            {
                await finished.Writer.CommitAsync(finished.Name.ToString(), cancellationToken);
            }
            keep.Add(new IndexedPack(finished.Name, finished.Entries));
            written++;
            bytes += finished.Length;
        }
        try
        {
            foreach (var (pack, entries) in repack)
            {
                foreach (var entry in entries)
                {
                    var stored = ChunkBuffers.Rent((int)entry.StoredLength);
                    var plain = ChunkBuffers.Rent((int)entry.RawLength);
                    try
                    {
                        await repository.Store.ReadAtAsync(new BlobName(BlobKind.Pack, pack.ToString()), entry.Offset, stored.AsMemory(0, (int)entry.StoredLength), cancellationToken);
                        repository.Sealer.Open(entry, stored.AsSpan(0, (int)entry.StoredLength), plain);
                        var chunk = new SealedChunk(entry, stored);
                        stored = null!; // now owned by the chunk
                        writer ??= new PackWriter(repository.Store.CreateWriter(BlobKind.Pack), repository.Config.PackSize);
                        if (writer.WouldOverflow(chunk))
                        {
                            await CommitAsync();
                            writer = new PackWriter(repository.Store.CreateWriter(BlobKind.Pack), repository.Config.PackSize);
                        }
                        await writer.AddAsync(chunk, cancellationToken);
                    }
                    finally
                    {
                        if (stored is not null)
                        {
                            ChunkBuffers.Return(stored);
                        }
                        ChunkBuffers.Return(plain);
                    }
                }
            }
            if (writer is { IsEmpty: false })
            {
                await CommitAsync();
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
        return (written, bytes);
    }
}
