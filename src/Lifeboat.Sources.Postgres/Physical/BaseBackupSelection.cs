using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// Picks the base backup a point-in-time recovery starts from, and checks before anything is written that the
/// archived WAL can carry it to the target.
/// </summary>
public static class BaseBackupSelection
{
    /// <summary>
    /// The snapshot named by <paramref name="name"/> (an ID prefix), or for "latest" the newest physical base backup
    /// that became consistent before the target. Throws <see cref="ArgumentException"/> when none fits.
    /// </summary>
    public static (Digest Id, Snapshot Snapshot, BaseBackupInfo Info) Choose(IReadOnlyList<(Digest Id, Snapshot Snapshot)> snapshots, string name,
        RecoveryTarget target, string? component, string? host)
    {
        var physical = snapshots
            .Where(s => s.Snapshot.Source.GetValueOrDefault("kind") == "postgres" && s.Snapshot.Source.GetValueOrDefault("mode") == BaseBackupInfo.Mode)
            .Select(s => (s.Id, s.Snapshot, Info: BaseBackupInfo.FromMetadata(s.Snapshot.Source)!))
            .ToList();
        if (name != "latest")
        {
            var matches = physical.Where(s => s.Id.ToString().StartsWith(name.ToLowerInvariant(), StringComparison.Ordinal)).ToList();
            if (matches.Count != 1)
            {
                throw new ArgumentException(matches.Count == 0
                    ? $"no physical PostgreSQL base backup has an ID starting with '{name}'; 'lifeboat snapshots' lists them"
                    : $"'{name}' matches {matches.Count} snapshots; give more characters of the ID");
            }
            return target.CanStartFrom(matches[0].Info) ? matches[0]
                : throw new ArgumentException($"base backup {matches[0].Id.Short} finished at {matches[0].Info.StopTime:O} (LSN {matches[0].Info.StopLsn}), after the target {target}: choose an older one or 'latest'");
        }
        var candidates = physical.Where(s => (component is null || s.Snapshot.Component == component) && (host is null || s.Snapshot.Host == host)).ToList();
        if (candidates.Count == 0)
        {
            throw new ArgumentException($"the repository holds no physical PostgreSQL base backup{(component is null ? "" : $" of component '{component}'")}; take one with 'lifeboat backup postgres --physical'");
        }
        var usable = candidates.Where(s => target.CanStartFrom(s.Info)).OrderBy(s => s.Info.StopTime).ToList();
        return usable.Count > 0 ? usable[^1]
            : throw new ArgumentException($"every base backup finished after the target {target} (the oldest at {candidates.Min(s => s.Info.StopTime):O}); no backup can be recovered to it");
    }

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> when the archive cannot carry <paramref name="backup"/> to
    /// <paramref name="target"/>: WAL between its start and stop is missing, an LSN target lies beyond the first gap
    /// after it, or a time target after the newest time the archived WAL vouches for (<see cref="TimeTargetReach"/>).
    /// Returns the reach and the target to give PostgreSQL: <paramref name="target"/>, or for a time after every
    /// archived commit the point after the last one.
    /// </summary>
    public static async Task<(BackupReach Reach, RecoveryTarget Target)> EnsureReachableAsync(Repository.Repository repository, BaseBackupInfo backup, RecoveryTarget target,
        CancellationToken cancellationToken)
    {
        var cluster = new ClusterRecord { SystemIdentifier = backup.SystemIdentifier, SegmentSize = backup.SegmentSize };
        var chain = await WalChain.LoadAsync(new WalArchive(repository), cluster, cancellationToken);
        var reach = await chain.ReachAsync(backup, cancellationToken);
        if (!reach.Restorable)
        {
            throw new InvalidOperationException($"the base backup is not restorable: the archive lacks WAL it needs ({string.Join(", ", reach.Missing)}); nothing was restored");
        }
        if (target.Kind == RecoveryTargetKind.Lsn && target.Lsn!.Value > reach.UntilLsn!.Value)
        {
            throw new InvalidOperationException($"the archive cannot reach {target}: from this base backup the WAL is complete only up to LSN {reach.UntilLsn} "
                + $"(end of {reach.UntilSegment}, archived {reach.UntilTime:O}); the next segment is missing or not archived yet; give --latest to recover "
                + "everything archived, or run SELECT pg_switch_wal() on the source and wait until the segment is archived; nothing was restored");
        }
        return target.Kind == RecoveryTargetKind.Time
            ? (reach, await TimeTargetReach.ResolveAsync(repository, backup, reach, target, cancellationToken))
            : (reach, target);
    }
}
