using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The archived WAL of one cluster, laid out per timeline, and what it means for each base backup: whether the WAL
/// from its start to its stop segment is all there (else it is NOT restorable), and how far recovery can go before the
/// first missing segment after it. Built from one listing plus a few header reads; no segment is downloaded.
/// </summary>
public sealed class WalChain
{
    private readonly Dictionary<uint, SortedSet<ulong>> _segments;
    private readonly WalArchive _archive;

    private WalChain(WalArchive archive, ClusterRecord cluster, Dictionary<uint, SortedSet<ulong>> segments, IReadOnlyList<WalFileName> files)
    {
        _archive = archive;
        Cluster = cluster;
        _segments = segments;
        Files = files;
    }

    /// <summary>The cluster the chain belongs to.</summary>
    public ClusterRecord Cluster { get; }

    /// <summary>Every archived file of the cluster, sorted by name.</summary>
    public IReadOnlyList<WalFileName> Files { get; }

    /// <summary>Lists the archive of <paramref name="cluster"/>.</summary>
    public static async Task<WalChain> LoadAsync(WalArchive archive, ClusterRecord cluster, CancellationToken cancellationToken)
    {
        var files = (await archive.ListAsync(cluster.SystemIdentifier, cancellationToken)).Select(f => f.File).ToList();
        var segments = new Dictionary<uint, SortedSet<ulong>>();
        foreach (var file in files.Where(f => f.Kind == WalFileKind.Segment))
        {
            if (!segments.TryGetValue(file.Timeline, out var set))
            {
                segments[file.Timeline] = set = [];
            }
            set.Add(file.SegmentNumber(cluster.SegmentSize));
        }
        return new WalChain(archive, cluster, segments, files);
    }

    /// <summary>Per timeline: the first and last archived segment, how many, and every missing range between them.</summary>
    public IReadOnlyList<TimelineReport> Timelines() =>
    [
        .. _segments.OrderBy(t => t.Key).Select(t => new TimelineReport(t.Key, Name(t.Key, t.Value.Min), Name(t.Key, t.Value.Max), t.Value.Count,
            Missing(t.Key, t.Value.Min, t.Value.Max))),
    ];

    /// <summary>
    /// What the archive allows for a base backup: restorable only when every segment from its start to its stop is
    /// archived; then recovery can replay up to the end of the last segment before the first gap after it.
    /// </summary>
    public async Task<BackupReach> ReachAsync(BaseBackupInfo backup, CancellationToken cancellationToken)
    {
        var size = Cluster.SegmentSize;
        var start = backup.StartLsn.Segment(size);
        var stop = backup.StopLsn.PreviousSegment(size);
        var present = _segments.GetValueOrDefault(backup.StopTimeline) ?? [];
        var missing = Missing(backup.StopTimeline, start, stop);
        if (missing.Count > 0)
        {
            return new BackupReach(false, missing, null, null, null);
        }
        var last = stop;
        while (present.Contains(last + 1))
        {
            last++;
        }
        var lastName = Name(backup.StopTimeline, last);
        var header = await _archive.ReadHeaderAsync(Cluster.SystemIdentifier, lastName, cancellationToken);
        return new BackupReach(true, [], lastName, new Lsn((last + 1) * (ulong)size), header.Archived);
    }

    /// <summary>The newest archived segment (highest timeline, then position) and when it was archived; null when none is.</summary>
    public async Task<(string Segment, DateTimeOffset Archived)?> NewestAsync(CancellationToken cancellationToken)
    {
        if (_segments.Count == 0)
        {
            return null;
        }
        var timeline = _segments.Keys.Max();
        var name = Name(timeline, _segments[timeline].Max);
        return (name, (await _archive.ReadHeaderAsync(Cluster.SystemIdentifier, name, cancellationToken)).Archived);
    }

    private List<string> Missing(uint timeline, ulong from, ulong to)
    {
        var present = _segments.GetValueOrDefault(timeline) ?? [];
        var missing = new List<string>();
        ulong? gapStart = null;
        for (var segment = from; segment <= to; segment++)
        {
            if (!present.Contains(segment))
            {
                gapStart ??= segment;
            }
            else if (gapStart is { } g)
            {
                missing.Add($"{Name(timeline, g)}..{Name(timeline, segment - 1)}");
                gapStart = null;
            }
        }
        if (gapStart is { } open)
        {
            missing.Add($"{Name(timeline, open)}..{Name(timeline, to)}");
        }
        return missing;
    }

    private string Name(uint timeline, ulong segment) => WalFileName.SegmentName(timeline, segment, Cluster.SegmentSize);
}

/// <summary>One timeline's archived segments.</summary>
public sealed record TimelineReport(uint Timeline, string First, string Last, int Segments, IReadOnlyList<string> Missing);

/// <summary>
/// What a base backup can be recovered to: <see cref="Restorable"/> is false when WAL between its start and stop is
/// missing (<see cref="Missing"/> names the exact ranges); otherwise recovery reaches up to <see cref="UntilLsn"/>,
/// the end of <see cref="UntilSegment"/>, whose content was all written before <see cref="UntilTime"/>.
/// </summary>
public sealed record BackupReach(bool Restorable, IReadOnlyList<string> Missing, string? UntilSegment, Lsn? UntilLsn, DateTimeOffset? UntilTime);
