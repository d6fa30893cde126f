using System.Collections.Concurrent;
using System.Globalization;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Deletes archived WAL that no kept base backup can ever read. Recovery from a base backup only reads WAL at or after
/// its start LSN, whatever timelines it follows, so a file whose position is before the start segment of the oldest
/// physical base backup of the cluster still in the repository (any component, any timeline) is needed by none of
/// them. Such a file is deleted when it is also archived before <c>keepArchivedAfter</c> (when given). Timeline
/// history files are always kept. Everything is decided before the first delete; files go oldest position first, so an
/// interrupted run leaves a gap-free tail. The caller holds the exclusive repository lock, so no backup or forget runs
/// meanwhile; a concurrent <c>wal push</c> only adds files newer than anything deleted.
/// </summary>
public sealed class WalExpiry(Repository.Repository repository)
{
    private const int HeaderReads = 8;

    /// <summary>
    /// Expires the WAL of <paramref name="component"/>'s cluster. Throws <see cref="WalExpiryRefusedException"/>
    /// (nothing deleted) when a snapshot cannot be read or is a malformed base backup record, when a timeline has a
    /// missing range at or after the oldest kept backup's start, or when a kept base backup is not restorable, unless
    /// <paramref name="force"/>; even forced, nothing at or after that start is ever deleted. With no base backup of the
    /// cluster in the repository nothing is deleted (the report's note says so).
    /// </summary>
    public async Task<WalExpiryReport> RunAsync(string component, DateTimeOffset? keepArchivedAfter, bool dryRun, bool force, CancellationToken cancellationToken)
    {
        var archive = new WalArchive(repository);
        var cluster = await archive.FindClusterAsync(component, cancellationToken)
            ?? throw new InvalidOperationException($"nothing was archived for component '{component}', so there is no WAL to expire; give --component if the archive_command uses one");
        var size = cluster.SegmentSize;
        var sysid = cluster.SystemIdentifier.ToString(CultureInfo.InvariantCulture);
        var overridden = new List<string>();
        var backups = await KeptBackupsAsync(cluster, force, overridden, cancellationToken);
        var chain = await WalChain.LoadAsync(archive, cluster, cancellationToken);
        var listed = (await archive.ListAsync(cluster.SystemIdentifier, cancellationToken)).ToDictionary(f => f.File.Name, f => f.StoredBytes, StringComparer.Ordinal);
        if (backups.Count == 0)
        {
            return new WalExpiryReport(component, sysid, dryRun, 0, null, null, keepArchivedAfter, [], chain.Files.Count, 0, 0, overridden,
                $"no physical base backup of cluster {sysid} is in the repository: nothing expires until one exists (WAL alone cannot be restored, but a backup may be on its way)");
        }
        var oldest = backups.MinBy(b => b.Info.StartLsn.Value)!;
        var cutoff = oldest.Info.StartLsn.Segment(size);
        var keepFrom = oldest.Info.StartSegment;
        var problems = await ProblemsAsync(chain, backups, cutoff, cancellationToken);
        if (problems.Count > 0 && !force)
        {
            throw new WalExpiryRefusedException($"not expiring the WAL of component '{component}': {string.Join("; ", problems)}. Run 'lifeboat wal check --component {component}' and fix the cause "
                + $"(take a new base backup, or forget the unrestorable one); --force expires anyway, and even then nothing at or after {keepFrom} is deleted");
        }
        overridden.AddRange(problems);

        var byPosition = chain.Files.Where(f => f.Kind != WalFileKind.History && f.SegmentNumber(size) < cutoff)
            .OrderBy(f => f.SegmentNumber(size)).ThenBy(f => f.Timeline).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        var archived = keepArchivedAfter is null ? null : await ArchiveTimesAsync(archive, cluster.SystemIdentifier, byPosition, force, overridden, cancellationToken);
        var expired = new List<ExpiredWalFile>();
        var keptByAge = 0;
        foreach (var file in byPosition)
        {
            DateTimeOffset? time = archived is not null && archived.TryGetValue(file.Name, out var at0) ? at0 : null;
            if (keepArchivedAfter is { } limit && time is { } t && t >= limit)
            {
                keptByAge++;
                continue;
            }
            var reason = $"before {keepFrom}, the start of the oldest kept base backup {oldest.Id[..8]}"
                + (keepArchivedAfter is { } l ? time is { } at ? $", archived {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (before {l.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)" : ", archive time unreadable (--force)" : "");
            expired.Add(new ExpiredWalFile(file.Name, listed.GetValueOrDefault(file.Name), time, reason));
        }
        if (!dryRun)
        {
            foreach (var file in expired)
            {
                await repository.Store.DeleteAsync(WalArchive.ObjectName(cluster.SystemIdentifier, file.File), cancellationToken);
            }
        }
        return new WalExpiryReport(component, sysid, dryRun, backups.Count, oldest.Id, keepFrom, keepArchivedAfter, expired, chain.Files.Count - expired.Count,
            keptByAge, expired.Sum(e => e.StoredBytes), overridden, null);
    }

    private async Task<List<(string Id, BaseBackupInfo Info)>> KeptBackupsAsync(ClusterRecord cluster, bool force, List<string> overridden, CancellationToken cancellationToken)
    {
        var listing = await repository.ListSnapshotsAsync(cancellationToken);
        var snapshots = listing.Readable;
        var problems = listing.Damaged.Select(d => $"a snapshot cannot be read ({d}), and it may be a base backup that needs old WAL").ToList();
        var backups = new List<(string, BaseBackupInfo)>();
        foreach (var (id, snapshot) in snapshots)
        {
            if (snapshot.Source.GetValueOrDefault("kind") != "postgres")
            {
                continue;
            }
            try
            {
                if (BaseBackupInfo.FromMetadata(snapshot.Source) is { } info && info.SystemIdentifier == cluster.SystemIdentifier)
                {
                    backups.Add((id.ToString(), info));
                }
            }
            catch (InvalidDataException e)
            {
                problems.Add($"snapshot {id.Short} is a physical backup whose record cannot be read ({e.Message})");
            }
        }
        if (problems.Count > 0 && !force)
        {
            throw new WalExpiryRefusedException($"not expiring any WAL: {string.Join("; ", problems)}. Run 'lifeboat check'; --force expires by the readable base backups only");
        }
        overridden.AddRange(problems);
        return backups;
    }

    private static async Task<List<string>> ProblemsAsync(WalChain chain, List<(string Id, BaseBackupInfo Info)> backups, ulong cutoff, CancellationToken cancellationToken)
    {
        var size = chain.Cluster.SegmentSize;
        var problems = new List<string>();
        foreach (var timeline in chain.Timelines())
        {
            // A gap wholly before the cutoff is about to be deleted with its neighbours; one after it is not understood.
            problems.AddRange(timeline.Missing.Where(range => WalFileName.Parse(range[(range.IndexOf("..", StringComparison.Ordinal) + 2)..]).SegmentNumber(size) >= cutoff)
                .Select(range => $"timeline {timeline.Timeline} is missing {range}"));
        }
        foreach (var (id, info) in backups)
        {
            var reach = await chain.ReachAsync(info, cancellationToken);
            if (!reach.Restorable)
            {
                problems.Add($"base backup {id[..8]} is not restorable (missing {string.Join(", ", reach.Missing)})");
            }
        }
        return problems;
    }

    private static async Task<ConcurrentDictionary<string, DateTimeOffset>> ArchiveTimesAsync(WalArchive archive, ulong systemIdentifier, List<WalFileName> files,
        bool force, List<string> overridden, CancellationToken cancellationToken)
    {
        var times = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var unreadable = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = HeaderReads, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            try
            {
                times[file.Name] = (await archive.ReadHeaderAsync(systemIdentifier, file.Name, ct)).Archived;
            }
            catch (Exception e) when (e is CorruptObjectException or BlobNotFoundException)
            {
                unreadable.Add($"{file.Name} ({e.Message})");
            }
        });
        if (!unreadable.IsEmpty)
        {
            var list = string.Join(", ", unreadable.Order(StringComparer.Ordinal));
            if (!force)
            {
                throw new WalExpiryRefusedException($"not expiring any WAL: the archive time of {list} cannot be read, so --keep-within cannot be applied to it; "
                    + "run 'lifeboat wal check'; --force deletes such files by position alone");
            }
            overridden.Add($"archive time unreadable: {list}");
        }
        return times;
    }
}
