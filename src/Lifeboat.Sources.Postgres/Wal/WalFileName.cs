using System.Globalization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>What a file in pg_wal is, from its name.</summary>
public enum WalFileKind
{
    /// <summary>A whole segment: 24 hex digits (timeline, log, segment).</summary>
    Segment,
    /// <summary>The last, incomplete segment of a timeline left by promotion: a segment name plus <c>.partial</c>.</summary>
    Partial,
    /// <summary>A timeline history file: 8 hex digits plus <c>.history</c>.</summary>
    History,
    /// <summary>A backup history file: a segment name, 8 hex digits of offset, <c>.backup</c>.</summary>
    BackupHistory,
}

/// <summary>
/// A parsed WAL file name as PostgreSQL archives it. Segment names encode the timeline and the segment number; the
/// number needs the cluster's segment size to turn into a position (<c>log * (4 GiB / size) + seg</c>).
/// </summary>
public sealed record WalFileName(string Name, WalFileKind Kind, uint Timeline, uint Log, uint Seg)
{
    /// <summary>Parses a name; returns null when it is not a file PostgreSQL archives.</summary>
    public static WalFileName? TryParse(string name)
    {
        if (name.Length == 24 && IsHex(name) && Hex(name, 0) != 0)
        {
            return new WalFileName(name, WalFileKind.Segment, Hex(name, 0), Hex(name, 8), Hex(name, 16));
        }
        if (name.Length == 32 && name.EndsWith(".partial", StringComparison.Ordinal) && IsHex(name[..24]) && Hex(name, 0) != 0)
        {
            return new WalFileName(name, WalFileKind.Partial, Hex(name, 0), Hex(name, 8), Hex(name, 16));
        }
        if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsHex(name[..8]) && Hex(name, 0) != 0)
        {
            return new WalFileName(name, WalFileKind.History, Hex(name, 0), 0, 0);
        }
        if (name.Length == 40 && name.EndsWith(".backup", StringComparison.Ordinal) && name[24] == '.' && IsHex(name[..24]) && IsHex(name[25..33]))
        {
            return new WalFileName(name, WalFileKind.BackupHistory, Hex(name, 0), Hex(name, 8), Hex(name, 16));
        }
        return null;
    }

    /// <summary>Parses a name or throws <see cref="ArgumentException"/> naming what PostgreSQL archives.</summary>
    public static WalFileName Parse(string name) => TryParse(name)
        ?? throw new ArgumentException($"'{name}' is not a WAL file name (a 24-hex-digit segment, optionally .partial, a TTTTTTTT.history or a backup history file)");

    /// <summary>The segment number (segments of <paramref name="segmentSize"/> bytes from LSN 0).</summary>
    public ulong SegmentNumber(long segmentSize) => (ulong)Log * SegmentsPerLog(segmentSize) + Seg;

    /// <summary>The name of segment <paramref name="number"/> on <paramref name="timeline"/>.</summary>
    public static string SegmentName(uint timeline, ulong number, long segmentSize) =>
        string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}{number / SegmentsPerLog(segmentSize):X8}{number % SegmentsPerLog(segmentSize):X8}");

    private static ulong SegmentsPerLog(long segmentSize) => 0x1_0000_0000UL / (ulong)segmentSize;

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigitUpper);

    private static uint Hex(string text, int start) => uint.Parse(text.AsSpan(start, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
