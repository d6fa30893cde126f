using System.Buffers.Binary;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The long page header that starts every WAL segment (XLogLongPageHeaderData): it names the cluster (system
/// identifier), the segment size and the position of the segment's first byte, so a segment from another cluster
/// or a file renamed to another segment's name can be told before it is archived.
/// </summary>
public sealed record WalSegmentHeader(ulong SystemIdentifier, long SegmentSize, ulong PageAddress, uint Timeline)
{
    /// <summary>Bytes needed to read the header.</summary>
    public const int Size = 40;
    private const ushort LongHeaderFlag = 0x0002;

    /// <summary>
    /// Reads the header from the first <see cref="Size"/> bytes of a segment; throws <see cref="InvalidDataException"/>
    /// when they do not hold a long page header with a plausible segment size.
    /// </summary>
    public static WalSegmentHeader Read(ReadOnlySpan<byte> start, string what)
    {
        if (start.Length < Size)
        {
            throw new InvalidDataException($"{what} is {start.Length} bytes, too short to be a WAL segment");
        }
        var info = BinaryPrimitives.ReadUInt16LittleEndian(start[2..]);
        var timeline = BinaryPrimitives.ReadUInt32LittleEndian(start[4..]);
        var pageAddress = BinaryPrimitives.ReadUInt64LittleEndian(start[8..]);
        var systemIdentifier = BinaryPrimitives.ReadUInt64LittleEndian(start[24..]);
        var segmentSize = BinaryPrimitives.ReadUInt32LittleEndian(start[32..]);
        if ((info & LongHeaderFlag) == 0 || segmentSize < 1024 * 1024 || segmentSize > 1024 * 1024 * 1024 || (segmentSize & (segmentSize - 1)) != 0)
        {
            throw new InvalidDataException($"{what} does not start with a WAL segment's long page header (flags 0x{info:X4}, segment size {segmentSize})");
        }
        return new WalSegmentHeader(systemIdentifier, segmentSize, pageAddress, timeline);
    }
}
