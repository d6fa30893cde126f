using System.Globalization;
using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The WAL chain check of one component: its timelines with every missing range, each physical base backup with
/// whether it is restorable and how far recovery from it can go, and the achievable RPO (the age of the newest
/// archived segment). <see cref="Healthy"/> is false when a range is missing or a base backup is not restorable.
/// </summary>
public sealed record WalChainReport(string Component, string SystemIdentifier, long SegmentSize, IReadOnlyList<TimelineReport> Timelines,
    IReadOnlyList<BaseBackupReport> BaseBackups, string? NewestSegment, DateTimeOffset? NewestArchived, double? RpoSeconds,
    IReadOnlyList<string> DamagedSnapshots)
{
    /// <summary>Whether nothing is missing, every base backup is restorable and no snapshot is damaged (it may be a base backup).</summary>
    public bool Healthy => Timelines.All(t => t.Missing.Count == 0) && BaseBackups.All(b => b.Restorable) && DamagedSnapshots.Count == 0;

    /// <summary>Builds the report from the repository (one listing of WAL, the snapshots, a few header reads).</summary>
    public static async Task<WalChainReport> BuildAsync(Repository.Repository repository, string component, TimeProvider clock, CancellationToken cancellationToken)
    {
        var archive = new WalArchive(repository);
        var cluster = await archive.FindClusterAsync(component, cancellationToken)
            ?? throw new InvalidOperationException($"nothing was archived for component '{component}' yet: set archive_command = 'lifeboat wal push %p' (with --component if not 'postgres')");
        var chain = await WalChain.LoadAsync(archive, cluster, cancellationToken);
        var backups = new List<BaseBackupReport>();
        var listing = await repository.ListSnapshotsAsync(cancellationToken);
        foreach (var (id, snapshot) in listing.Readable)
        {
            if (snapshot.Source.GetValueOrDefault("kind") != "postgres" || BaseBackupInfo.FromMetadata(snapshot.Source) is not { } info
                || info.SystemIdentifier != cluster.SystemIdentifier)
            {
                continue;
            }
            var reach = await chain.ReachAsync(info, cancellationToken);
            backups.Add(new BaseBackupReport(id.ToString(), snapshot.Component, snapshot.Time, info.StartSegment, info.StopSegment, info.StopLsn.ToString(),
                info.StopTime, reach.Restorable, reach.Missing, reach.UntilSegment, reach.UntilLsn?.ToString(), reach.UntilTime));
        }
        var newest = await chain.NewestAsync(cancellationToken);
        return new WalChainReport(component, cluster.SystemIdentifier.ToString(CultureInfo.InvariantCulture), cluster.SegmentSize, chain.Timelines(), backups,
            newest?.Segment, newest?.Archived, newest is { } n ? Math.Round((clock.GetUtcNow() - n.Archived).TotalSeconds, 1) : null,
            [.. listing.Damaged.Select(d => d.Reason)]);
    }

    /// <summary>The report as text, one line per fact.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"WAL of component '{Component}' (cluster {SystemIdentifier}, {SegmentSize / (1024 * 1024)} MiB segments)";
        foreach (var timeline in Timelines)
        {
            yield return $"  timeline {timeline.Timeline}: {timeline.Segments} segments {timeline.First}..{timeline.Last}";
            foreach (var missing in timeline.Missing)
            {
                yield return $"    missing {missing}";
            }
        }
        foreach (var backup in BaseBackups)
        {
            var head = $"  base backup {backup.Snapshot[..8]} ({backup.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, WAL {backup.StartSegment}..{backup.StopSegment})";
            yield return backup.Restorable
                ? $"{head}: restorable; recovery targets reachable up to LSN {backup.ReachableUntilLsn} (end of {backup.ReachableUntilSegment}, archived {backup.ReachableUntilTime?.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC)"
                : $"{head}: NOT restorable, its WAL is missing: {string.Join(", ", backup.Missing)}";
        }
        foreach (var damaged in DamagedSnapshots)
        {
            yield return $"  damaged snapshot (it may be a base backup of this cluster, unknown): {damaged}";
        }
        if (BaseBackups.Count == 0)
        {
            yield return "  no physical base backup of this cluster: the archived WAL alone cannot be restored";
        }
        yield return NewestSegment is null
            ? "  no segment archived yet"
            : $"  newest segment {NewestSegment}, archived {NewestArchived?.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: achievable RPO {RpoSeconds:0.0} s";
        yield return Healthy ? "WAL chain complete"
            : Timelines.All(t => t.Missing.Count == 0) && BaseBackups.All(b => b.Restorable)
                ? "WAL chain complete, but damaged snapshots (above) cannot be judged: run 'lifeboat check'"
                : "WAL chain has gaps: see 'missing' above";
    }
}

/// <summary>One physical base backup in the WAL chain check.</summary>
public sealed record BaseBackupReport(string Snapshot, string Component, DateTimeOffset Time, string StartSegment, string StopSegment, string StopLsn,
    DateTimeOffset StopTime, bool Restorable, IReadOnlyList<string> Missing, string? ReachableUntilSegment, string? ReachableUntilLsn, DateTimeOffset? ReachableUntilTime);
