using System.Globalization;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// What a physical base backup needs to be restored, recorded in its snapshot's source map: the cluster, the WAL
/// range from start to stop (which the archive must hold), and when the backup became consistent.
/// </summary>
public sealed record BaseBackupInfo(ulong SystemIdentifier, uint Timeline, Lsn StartLsn, Lsn StopLsn, uint StopTimeline,
    long SegmentSize, int ServerVersionNumber, DateTimeOffset StopTime)
{
    /// <summary>The source map's "mode" for physical backups.</summary>
    public const string Mode = "physical";

    /// <summary>The stream holding the tar of the data directory.</summary>
    public const string StreamName = "base.tar";

    /// <summary>The first WAL segment the backup needs.</summary>
    public string StartSegment => WalFileName.SegmentName(Timeline, StartLsn.Segment(SegmentSize), SegmentSize);

    /// <summary>The last WAL segment the backup needs (the one holding the byte before the stop LSN).</summary>
    public string StopSegment => WalFileName.SegmentName(StopTimeline, StopLsn.PreviousSegment(SegmentSize), SegmentSize);

    /// <summary>The source map entries.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["mode"] = Mode,
        ["system_identifier"] = SystemIdentifier.ToString(CultureInfo.InvariantCulture),
        ["timeline"] = Timeline.ToString(CultureInfo.InvariantCulture),
        ["start_lsn"] = StartLsn.ToString(),
        ["stop_lsn"] = StopLsn.ToString(),
        ["stop_timeline"] = StopTimeline.ToString(CultureInfo.InvariantCulture),
        ["start_segment"] = StartSegment,
        ["stop_segment"] = StopSegment,
        ["wal_segment_size"] = SegmentSize.ToString(CultureInfo.InvariantCulture),
        ["server_version_num"] = ServerVersionNumber.ToString(CultureInfo.InvariantCulture),
        ["stop_time"] = StopTime.ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the entries back; null when the map is not a physical backup's.</summary>
    public static BaseBackupInfo? FromMetadata(IReadOnlyDictionary<string, string> source)
    {
        if (source.GetValueOrDefault("mode") != Mode)
        {
            return null;
        }
        try
        {
            return new BaseBackupInfo(ulong.Parse(source["system_identifier"], CultureInfo.InvariantCulture), uint.Parse(source["timeline"], CultureInfo.InvariantCulture),
                Lsn.Parse(source["start_lsn"]), Lsn.Parse(source["stop_lsn"]), uint.Parse(source["stop_timeline"], CultureInfo.InvariantCulture),
                long.Parse(source["wal_segment_size"], CultureInfo.InvariantCulture), int.Parse(source["server_version_num"], CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(source["stop_time"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"the snapshot's physical backup record is incomplete or malformed: {e.Message}");
        }
    }
}
