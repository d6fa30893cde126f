using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// Whether the archive reaches a recovery_target_time, told from the times its WAL records state rather than from
/// when its files were archived. PostgreSQL stops a time recovery only before a commit or abort after the target, so:
/// a target before the newest archived commit is left to PostgreSQL; a target at or after it, but not after the newest
/// time the archive vouches for (a record's time, or the base backup's stop), holds every archived commit, and is
/// given to PostgreSQL as "stop after the last commit" (an LSN, or 'immediate' when that commit precedes the backup's
/// consistency point), which it can reach; a later target is refused with what to do instead.
/// </summary>
internal static class TimeTargetReach
{
    // Segments read at first; doubled back towards the backup's start while no commit has been found.
    private const int FirstWindow = 2;
    private const int MaxSegments = 64;

    /// <summary>The target to give PostgreSQL for <paramref name="target"/> (a time); throws <see cref="InvalidOperationException"/> when it is beyond the archive.</summary>
    public static async Task<RecoveryTarget> ResolveAsync(Repository.Repository repository, BaseBackupInfo backup, BackupReach reach, RecoveryTarget target,
        CancellationToken cancellationToken)
    {
        var times = await ReadAsync(new WalArchive(repository), backup, reach, cancellationToken);
        if (times.NewestCommitTime is { } newestCommit && target.Time!.Value < newestCommit)
        {
            return target;
        }
        var vouched = times.NewestTime is { } newest && newest > backup.StopTime ? newest : backup.StopTime;
        if (target.Time!.Value > vouched)
        {
            throw new InvalidOperationException($"the archive cannot reach {target}: the newest time its WAL vouches for is "
                + $"{vouched.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff} UTC ({(times.NewestCommitTime is { } c ? $"the last commit at {c.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff} UTC" : "no commit since the base backup")}, "
                + $"WAL complete up to LSN {reach.UntilLsn}, end of {reach.UntilSegment}), and the segment after it is missing or not archived yet. "
                + "To recover everything archived, give --latest; to reach this target, run SELECT pg_switch_wal() on the source (first SELECT pg_create_restore_point('lifeboat') "
                + "if nothing was written since, so the switch has a record with a time to archive), wait until that segment is archived and retry; nothing was restored");
        }
        // Every archived commit is at or before the target: stop right after the last one, which the archive holds.
        return times.LastCommitLsn is { } last && last >= backup.StopLsn
            ? RecoveryTarget.AfterCommit(last, target)
            : RecoveryTarget.Immediate(target);
    }

    private static async Task<WalRecordTimes> ReadAsync(WalArchive archive, BaseBackupInfo backup, BackupReach reach, CancellationToken cancellationToken)
    {
        var size = backup.SegmentSize;
        var first = backup.StartLsn.Segment(size);
        var last = reach.UntilLsn!.Value.PreviousSegment(size);
        var folder = Directory.CreateTempSubdirectory("lifeboat-wal-times-");
        try
        {
            var window = FirstWindow;
            while (true)
            {
                var from = last + 1 - first > (ulong)window ? last + 1 - (ulong)window : first;
                var segments = new List<byte[]>();
                for (var segment = from; segment <= last; segment++)
                {
                    var name = WalFileName.SegmentName(backup.StopTimeline, segment, size);
                    var path = Path.Combine(folder.FullName, name);
                    if (!await archive.FetchAsync(backup.SystemIdentifier, name, path, cancellationToken))
                    {
                        throw new InvalidOperationException($"the archived WAL segment {name} vanished while it was read; nothing was restored");
                    }
                    segments.Add(await File.ReadAllBytesAsync(path, cancellationToken));
                    File.Delete(path);
                }
                var times = WalRecordTimes.Read(segments, size, new Lsn(from * (ulong)size));
                if (times.LastCommitLsn is not null || from == first)
                {
                    return times;
                }
                if (window >= MaxSegments)
                {
                    throw new InvalidOperationException($"the last {window} archived WAL segments before the end of {reach.UntilSegment} hold no commit, so how far a time target "
                        + "reaches cannot be told; give --latest, --to-lsn or an older --to-time; nothing was restored");
                }
                window *= 2;
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
