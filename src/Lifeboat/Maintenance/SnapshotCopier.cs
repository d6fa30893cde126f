using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;

namespace Lifeboat.Maintenance;

/// <summary>
/// Copies snapshots to a second repository (offsite, another bucket) that shares the source's chunking parameters and
/// chunk-ID key (made with <c>init --copy-chunker-from</c>): only chunks the destination lacks are sent, each read
/// and verified from the source, re-encrypted under the destination's key and verified again before it is stored.
/// As in a backup, the snapshot is written last. Snapshots already in the destination (same tree, time and host) are
/// skipped, so copy can simply run again after an interruption.
/// </summary>
public sealed class SnapshotCopier(Repository.Repository source, Repository.Repository destination)
{
    /// <summary>Throws <see cref="InvalidOperationException"/> unless the two repositories chunk and name content alike.</summary>
    public void EnsureCompatible()
    {
        var probe = "lifeboat copy probe"u8;
        if (source.Config.GearSeed != destination.Config.GearSeed || source.Config.Chunker != destination.Config.Chunker
            || source.Key.IdOf(probe) != destination.Key.IdOf(probe))
        {
            throw new InvalidOperationException("the repositories do not share chunking parameters and chunk IDs, so copy cannot deduplicate; " +
                "create the destination with 'lifeboat init --copy-chunker-from SOURCE'");
        }
    }

    /// <summary>Copies the given snapshots (source and destination indexes must be loaded); returns what was sent.</summary>
    public async Task<CopyReport> CopyAsync(IReadOnlyList<(Digest Id, Snapshot Snapshot)> snapshots, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        EnsureCompatible();
        var listing = await destination.ListSnapshotsAsync(cancellationToken);
        listing.ThrowIfDamaged("in the destination, which then cannot tell which snapshots it holds already; nothing was copied");
        var present = listing.Readable.Select(s => (s.Snapshot.Tree, s.Snapshot.Time, s.Snapshot.Host)).ToHashSet();
        var trees = new TreeReader(source);
        long chunks = 0, bytes = 0;
        var copied = new List<Digest>();
        var skipped = 0;
        foreach (var (id, snapshot) in snapshots)
        {
            if (present.Contains((snapshot.Tree, snapshot.Time, snapshot.Host)))
            {
                skipped++;
                continue;
            }
            progress?.Report($"copying snapshot {id.Short}");
            var pack = default(PackWriter);
            try
            {
                async Task SendAsync(Digest chunk, ChunkType type)
                {
                    if (!destination.Index.TryClaim(chunk))
                    {
                        return;
                    }
                    var plain = await source.ReadChunkAsync(chunk, cancellationToken);
                    var sealedChunk = destination.Sealer.Seal(chunk, type, plain);
                    if (pack is not null && pack.WouldOverflow(sealedChunk))
                    {
                        await destination.StorePackAsync(await pack.FinishAsync(destination.Key.Box, cancellationToken), cancellationToken);
                        await pack.DisposeAsync();
                        pack = null;
                    }
                    pack ??= new PackWriter(destination.Store.CreateWriter(Storage.BlobKind.Pack), destination.Config.PackSize);
                    await pack.AddAsync(sealedChunk, cancellationToken);
                    chunks++;
                    bytes += plain.Length;
                }

                async Task CopyTreeAsync(Digest treeId)
                {
                    var tree = await trees.LoadAsync(treeId, cancellationToken);
                    foreach (var node in tree.Nodes)
                    {
                        foreach (var chunk in node.Content ?? [])
                        {
                            await SendAsync(chunk, ChunkType.Data);
                        }
                        if (node.Subtree is { } subtree)
                        {
                            await CopyTreeAsync(subtree);
                        }
                    }
                    // A tree goes after everything it names, like in a backup.
                    await SendAsync(treeId, ChunkType.Tree);
                }

                await CopyTreeAsync(TreeReader.ParseId(snapshot.Tree));
                if (pack is { IsEmpty: false })
                {
                    await destination.StorePackAsync(await pack.FinishAsync(destination.Key.Box, cancellationToken), cancellationToken);
                }
            }
            finally
            {
                if (pack is not null)
                {
                    await pack.DisposeAsync();
                }
                destination.Index.ReleaseClaims();
            }
            await destination.FlushIndexAsync(cancellationToken);
            copied.Add(await destination.SaveSnapshotAsync(snapshot with { Parent = null }, cancellationToken));
        }
        return new CopyReport(copied, skipped, chunks, bytes);
    }
}
