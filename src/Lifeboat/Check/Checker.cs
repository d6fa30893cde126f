using System.Collections.Concurrent;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Check;

/// <summary>
/// Verifies a repository: every index readable, every indexed pack present with a plausible size, every snapshot
/// and tree readable, every file's chunks indexed; with <see cref="CheckOptions.ReadData"/>, every selected pack's
/// bytes match its name and every chunk in it decrypts, decompresses and matches its ID. Damage is reported with
/// the snapshots and files it affects, never thrown; only a failing store (a listing or read error that is not
/// damage) throws.
/// </summary>
public sealed class Checker(Repository.Repository repository)
{
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentDictionary<Digest, string> _badChunks = new();
    private CheckProgress _progress = new();

    /// <summary>
    /// Runs the check, reporting how far it has come in <paramref name="progress"/> (optional). Uses the repository's
    /// index, which must be empty (the checker loads it tolerantly). Snapshots are read before the indexes, and the
    /// indexes before the pack listing: a backup writes packs, then its index, then its snapshot, so every snapshot seen
    /// has its index seen too, and a backup running beside the check is never reported as damage.
    /// </summary>
    public async Task<CheckReport> RunAsync(CheckOptions options, CheckProgress? progress, CancellationToken cancellationToken)
    {
        _progress = progress ?? new CheckProgress();
        _progress.Begin("reading snapshots");
        var snapshots = await ReadSnapshotsAsync(cancellationToken);
        _progress.Begin("loading indexes");
        await LoadIndexesAsync(cancellationToken);
        _progress.Begin("listing packs");
        var stored = new Dictionary<Digest, long>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Pack, cancellationToken))
        {
            if (Digest.TryParse(info.Name.Name, out var id))
            {
                stored[id] = info.Size;
            }
            else
            {
                _warnings.Enqueue($"{info.Name} is not a pack name; ignored");
            }
        }
        var indexed = repository.Index.EntriesByPack();
        CheckPackPresence(indexed, stored);
        // Every listing a snapshot reaches is loaded once, so the indexed trees are what the structure check reads.
        _progress.Expect(indexed.Values.Sum(entries => entries.Where(e => e.Type == ChunkType.Tree).Sum(e => (long)e.RawLength)));
        await CheckPartialObjectsAsync(cancellationToken);

        var packsRead = 0;
        long chunksRead = 0;
        if (options.ReadData)
        {
            var selected = SelectPacks(indexed.Keys.Where(stored.ContainsKey), options.SubsetPercent);
            var done = 0;
            _progress.Expect(selected.Sum(p => stored[p]));
            await Parallel.ForEachAsync(selected, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
                async (pack, ct) =>
                {
                    Interlocked.Add(ref chunksRead, await ReadPackAsync(pack, stored[pack], indexed[pack], ct));
                    _progress.Verified(stored[pack]);
                    _progress.Begin($"read {Interlocked.Increment(ref done)}/{selected.Count} packs");
                });
            packsRead = selected.Count;
        }

        _progress.Begin("checking snapshots");
        var damaged = await CheckSnapshotsAsync(snapshots, cancellationToken);
        _progress.Begin("checking run records");
        var damagedRuns = new List<string>();
        await new Runs.RunLog(repository).LoadAsync(cancellationToken, damagedRuns);
        foreach (var run in damagedRuns)
        {
            _errors.Enqueue($"run record {run} (no backup data is affected; only that run's history is lost)");
        }
        return new CheckReport
        {
            Errors = [.. _errors],
            Warnings = [.. _warnings],
            Damaged = damaged,
            Snapshots = snapshots.Count,
            Packs = stored.Count,
            PacksRead = packsRead,
            ChunksRead = chunksRead,
        };
    }

    private async Task LoadIndexesAsync(CancellationToken cancellationToken)
    {
        await foreach (var info in repository.Store.ListAsync(BlobKind.Index, cancellationToken))
        {
            try
            {
                foreach (var pack in (await repository.ReadIndexFileAsync(info.Name, cancellationToken)).Packs)
                {
                    repository.Index.AddPack(pack.Pack, pack.Entries);
                }
            }
            catch (CorruptObjectException e)
            {
                _errors.Enqueue($"{e.Message}; run 'lifeboat repair index' to rebuild the index from the packs");
            }
        }
    }

    private void CheckPackPresence(Dictionary<Digest, List<PackEntry>> indexed, Dictionary<Digest, long> stored)
    {
        foreach (var (pack, entries) in indexed)
        {
            if (!stored.TryGetValue(pack, out var size))
            {
                _errors.Enqueue($"pack {pack.Short} is missing ({entries.Count} chunks lost)");
                MarkBad(entries, $"its pack {pack.Short} is missing");
                continue;
            }
            var end = entries.Count == 0 ? 0 : entries.Max(e => (long)e.Offset + e.StoredLength);
            if (end + PackHeader.TrailerSize > size)
            {
                _errors.Enqueue($"pack {pack.Short} is truncated: {size} bytes, but its chunks need at least {end + PackHeader.TrailerSize}");
                MarkBad(entries.Where(e => (long)e.Offset + e.StoredLength > size - PackHeader.TrailerSize), $"its pack {pack.Short} is truncated");
            }
        }
        // One line for all of them: an interrupted backup can leave hundreds, and they are one finding with one remedy.
        var unindexed = stored.Where(p => !indexed.ContainsKey(p.Key)).ToList();
        if (unindexed.Count > 0)
        {
            var bytes = unindexed.Sum(p => p.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
            _warnings.Enqueue($"{unindexed.Count} packs ({bytes} bytes) are in no index, left by interrupted backups (or not yet indexed by one running now): 'lifeboat prune' deletes them "
                + "('lifeboat repair index' indexes them again, if a snapshot misses their chunks)");
        }
    }

    // Partial objects are no damage (nothing refers to them), but they can fill a disk, so they are never passed over.
    private async Task CheckPartialObjectsAsync(CancellationToken cancellationToken)
    {
        var partials = new List<PartialObject>();
        await foreach (var partial in repository.Store.ListPartialAsync(cancellationToken))
        {
            partials.Add(partial);
        }
        if (partials.Count > 0)
        {
            var examples = string.Join(", ", partials.Take(3).Select(p => p.Path)) + (partials.Count > 3 ? ", ..." : "");
            _warnings.Enqueue($"{partials.Count} partial objects ({partials.Sum(p => p.Size)} bytes: {examples}) were left by " +
                $"interrupted or failed writes (a killed run, a full disk); 'lifeboat prune' deletes those not written to for " +
                $"{Locking.LockManager.StaleAfter.TotalMinutes:0} minutes");
        }
    }

    private static List<Digest> SelectPacks(IEnumerable<Digest> packs, double percent)
    {
        var all = packs.ToList();
        if (percent >= 100)
        {
            return all;
        }
        var count = (int)Math.Ceiling(all.Count * percent / 100);
        return [.. all.OrderBy(_ => Random.Shared.Next()).Take(count)];
    }

    private async Task<long> ReadPackAsync(Digest pack, long size, List<PackEntry> indexedEntries, CancellationToken cancellationToken)
    {
        if (size > int.MaxValue)
        {
            _errors.Enqueue($"pack {pack.Short} is {size} bytes, larger than any pack Lifeboat writes");
            MarkBad(indexedEntries, $"its pack {pack.Short} is damaged");
            return 0;
        }
        var buffer = ChunkBuffers.Rent((int)size);
        try
        {
            try
            {
                await repository.Store.ReadAtAsync(new BlobName(BlobKind.Pack, pack.ToString()), 0, buffer.AsMemory(0, (int)size), cancellationToken);
            }
            catch (BlobNotFoundException)
            {
                _errors.Enqueue($"pack {pack.Short} vanished while checking");
                MarkBad(indexedEntries, $"its pack {pack.Short} is missing");
                return 0;
            }
            return VerifyPack(pack, buffer.AsSpan(0, (int)size), indexedEntries);
        }
        finally
        {
            ChunkBuffers.Return(buffer);
        }
    }

    private long VerifyPack(Digest pack, ReadOnlySpan<byte> bytes, List<PackEntry> indexedEntries)
    {
        if (Digest.Sha256(bytes) != pack)
        {
            _errors.Enqueue($"pack {pack.Short} does not match its name's hash: its bytes were altered or truncated");
        }
        List<PackEntry> header;
        try
        {
            var headerLength = PackHeader.ReadTrailer(bytes[^PackHeader.TrailerSize..], bytes.Length);
            header = PackHeader.Parse(bytes.Slice(bytes.Length - PackHeader.TrailerSize - headerLength, headerLength), bytes.Length, repository.Key.Box);
        }
        catch (Exception e) when (e is CorruptObjectException or ArgumentOutOfRangeException)
        {
            _errors.Enqueue($"pack {pack.Short} has a damaged header: {e.Message}");
            header = [];
        }
        var inHeader = header.Select(e => e.Id).ToHashSet();
        foreach (var entry in indexedEntries.Where(e => !inHeader.Contains(e.Id)))
        {
            _errors.Enqueue($"chunk {entry.Id.Short} is indexed in pack {pack.Short} but its header does not list it");
        }
        long verified = 0;
        foreach (var entry in indexedEntries)
        {
            var plain = ChunkBuffers.Rent((int)entry.RawLength);
            try
            {
                if (entry.Offset + (long)entry.StoredLength > bytes.Length)
                {
                    throw new CorruptObjectException("it lies past the end of the pack");
                }
                repository.Sealer.Open(entry, bytes.Slice((int)entry.Offset, (int)entry.StoredLength), plain);
                verified++;
            }
            catch (CorruptObjectException e)
            {
                _errors.Enqueue($"chunk {entry.Id.Short} in pack {pack.Short} is damaged: {e.Message}");
                _badChunks[entry.Id] = $"chunk {entry.Id.Short} is damaged";
            }
            finally
            {
                ChunkBuffers.Return(plain);
            }
        }
        return verified;
    }

    // Every snapshot listed, with null for one that cannot be read (then already reported as an error).
    private async Task<List<(Digest Id, Snapshot? Snapshot)>> ReadSnapshotsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<Digest>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Snapshot, cancellationToken))
        {
            if (Digest.TryParse(info.Name.Name, out var id))
            {
                ids.Add(id);
            }
            else
            {
                _warnings.Enqueue($"{info.Name} is not a snapshot name; ignored");
            }
        }
        var snapshots = new List<(Digest, Snapshot?)>();
        foreach (var id in ids)
        {
            try
            {
                snapshots.Add((id, await repository.LoadSnapshotAsync(id, cancellationToken)));
            }
            catch (CorruptObjectException e)
            {
                _errors.Enqueue(e.Message);
                snapshots.Add((id, null));
            }
        }
        return snapshots;
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> CheckSnapshotsAsync(List<(Digest Id, Snapshot? Snapshot)> snapshots,
        CancellationToken cancellationToken)
    {
        var damaged = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var trees = new TreeReader(repository);
        var checkedTrees = new Dictionary<Digest, List<string>>();
        foreach (var (id, snapshot) in snapshots)
        {
            if (snapshot is null)
            {
                damaged[id.Short] = ["(the snapshot itself is unreadable)"];
                continue;
            }
            List<string> affected;
            try
            {
                affected = await CheckTreeAsync(trees, TreeReader.ParseId(snapshot.Tree), checkedTrees, cancellationToken);
            }
            catch (CorruptObjectException e)
            {
                affected = [$"/ (snapshot root: {e.Message})"];
            }
            if (affected.Count > 0)
            {
                damaged[id.Short] = affected.Select(p => p.StartsWith(' ') ? "/" + p.TrimStart() : p).ToList();
                _errors.Enqueue($"snapshot {id.Short} ({snapshot.Time:yyyy-MM-dd HH:mm:ss}, {string.Join(", ", snapshot.Paths)}): {affected.Count} damaged files or trees");
            }
        }
        return damaged;
    }

    /// <summary>
    /// The problems below one tree, as paths relative to it (" (…)" for the tree itself). Each tree is checked once
    /// and its result reused wherever it recurs, in this snapshot or another, so memory holds results, not trees.
    /// </summary>
    private async Task<List<string>> CheckTreeAsync(TreeReader trees, Digest id, Dictionary<Digest, List<string>> checkedTrees,
        CancellationToken cancellationToken)
    {
        if (checkedTrees.TryGetValue(id, out var known))
        {
            return known;
        }
        var problems = new List<string>();
        Tree? tree = null;
        try
        {
            if (_badChunks.TryGetValue(id, out var reason))
            {
                throw new CorruptObjectException(reason);
            }
            tree = await trees.LoadAsync(id, cancellationToken);
            _progress.Verified(repository.Index.TryGet(id, out var location) ? location.Entry.RawLength : 0);
        }
        catch (CorruptObjectException e)
        {
            problems.Add($" (directory listing: {e.Message})");
        }
        foreach (var node in tree?.Nodes ?? [])
        {
            if (node.Type == TreeNode.Directory)
            {
                if (node.Subtree is not { } subtree)
                {
                    problems.Add($"/{node.Name} (directory without a listing)");
                    continue;
                }
                foreach (var below in await CheckTreeAsync(trees, subtree, checkedTrees, cancellationToken))
                {
                    problems.Add($"/{node.Name}{below}");
                }
            }
            else if (node.Type == TreeNode.File && ContentProblem(node) is { } problem)
            {
                problems.Add($"/{node.Name} ({problem})");
            }
        }
        checkedTrees[id] = problems;
        return problems;
    }

    private string? ContentProblem(TreeNode node)
    {
        foreach (var id in node.Content ?? [])
        {
            if (_badChunks.TryGetValue(id, out var reason))
            {
                return reason;
            }
            if (!repository.Index.Contains(id))
            {
                return $"chunk {id.Short} is missing";
            }
        }
        return null;
    }

    private void MarkBad(IEnumerable<PackEntry> entries, string reason)
    {
        foreach (var entry in entries)
        {
            _badChunks[entry.Id] = reason;
        }
    }
}
