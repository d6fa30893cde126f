using System.Buffers.Binary;
using System.Numerics;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The times that WAL records state, read from consecutive WAL segments: the last commit or abort record in WAL order
/// (recovery_target_time stops only before one of these), the newest commit or abort time, and the newest time any
/// record states (commits, aborts and restore points). Records are read as PostgreSQL writes them since 9.5: page
/// headers skipped, a record continued across pages and segments put together, each checked by its CRC-32C, a WAL
/// switch followed to the next segment; the scan ends at the first record that is incomplete or fails its check.
/// </summary>
/// <param name="LastCommitLsn">Where the last commit or abort record starts, or null when there is none.</param>
/// <param name="NewestCommitTime">The newest commit or abort time, or null.</param>
/// <param name="NewestTime">The newest time any record states, or null.</param>
public sealed record WalRecordTimes(Lsn? LastCommitLsn, DateTimeOffset? NewestCommitTime, DateTimeOffset? NewestTime)
{
    private const int RecordHeader = 24;
    private const int ShortPageHeader = 24;
    private const int LongPageHeader = 40;
    private const ushort FirstIsContinuation = 0x0001;
    private const ushort LongHeader = 0x0002;
    private const byte XlogManager = 0;
    private const byte TransactionManager = 1;
    private static readonly DateTimeOffset PostgresEpoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Reads <paramref name="segments"/>, consecutive whole segments of <paramref name="segmentSize"/> bytes, the first
    /// starting at <paramref name="firstSegmentLsn"/>.
    /// </summary>
    public static WalRecordTimes Read(IReadOnlyList<byte[]> segments, long segmentSize, Lsn firstSegmentLsn)
    {
        if (segments.Count == 0 || segments.Any(s => s.Length != segmentSize))
        {
            throw new ArgumentException($"WAL segments must be {segmentSize} bytes each");
        }
        var wal = new Reader(segments, segmentSize, BinaryPrimitives.ReadUInt32LittleEndian(segments[0].AsSpan(36)));
        Lsn? lastCommit = null;
        DateTimeOffset? newestCommit = null, newest = null;
        // A record continued from the segment before the first is skipped: its start is not here.
        var position = wal.SkipContinuation();
        while (wal.ReadRecord(ref position) is { } record)
        {
            var (start, bytes) = record;
            var manager = bytes[17];
            var info = bytes[16];
            if (manager == XlogManager && (info & 0xF0) == 0x40)
            {
                // XLOG_SWITCH: the rest of the segment is unused.
                position = (start / segmentSize + 1) * segmentSize;
                continue;
            }
            var isCommit = manager == TransactionManager && (info & 0x70) is 0x00 or 0x20 or 0x30 or 0x40;
            var isRestorePoint = manager == XlogManager && (info & 0xF0) == 0x70;
            if ((isCommit || isRestorePoint) && MainData(bytes) is { Length: >= 8 } main)
            {
                var time = PostgresEpoch.AddTicks(BinaryPrimitives.ReadInt64LittleEndian(main) * 10);
                newest = newest is { } n && n > time ? n : time;
                if (isCommit)
                {
                    lastCommit = new Lsn(firstSegmentLsn.Value + (ulong)start);
                    newestCommit = newestCommit is { } c && c > time ? c : time;
                }
            }
        }
        return new WalRecordTimes(lastCommit, newestCommit, newest);
    }

    // The main data of a record without block references (commit, abort and restore point records have none): it
    // follows the optional origin and top-level transaction headers; null for a record with blocks.
    private static byte[]? MainData(byte[] record)
    {
        var at = RecordHeader;
        while (at < record.Length)
        {
            switch (record[at])
            {
                case 255:
                    return at + 2 <= record.Length ? record.AsSpan(at + 2, Math.Min(record[at + 1], record.Length - at - 2)).ToArray() : null;
                case 254:
                    if (at + 5 > record.Length)
                    {
                        return null;
                    }
                    var length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(at + 1)), (uint)(record.Length - at - 5));
                    return record.AsSpan(at + 5, length).ToArray();
                case 253:
                    at += 3;
                    break;
                case 252:
                    at += 5;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    private sealed class Reader(IReadOnlyList<byte[]> segments, long segmentSize, uint pageSize)
    {
        private readonly long _end = segments.Count * segmentSize;

        private byte this[long offset] => segments[(int)(offset / segmentSize)][offset % segmentSize];

        private ushort PageInfo(long pageStart) => (ushort)(this[pageStart + 2] | (this[pageStart + 3] << 8));

        private int PageHeaderSize(long pageStart) => (PageInfo(pageStart) & LongHeader) != 0 ? LongPageHeader : ShortPageHeader;

        public long SkipContinuation()
        {
            if (pageSize is < 1024 or > 65536 || segmentSize % pageSize != 0)
            {
                return _end;
            }
            var remaining = (PageInfo(0) & FirstIsContinuation) != 0
                ? BinaryPrimitives.ReadUInt32LittleEndian(segments[0].AsSpan(16))
                : 0;
            var position = (long)PageHeaderSize(0);
            return Align(Skip(position, remaining));
        }

        // Moves over payload bytes, stepping over the page headers in between.
        private long Skip(long position, long count)
        {
            while (count > 0 && position < _end)
            {
                if (position % pageSize == 0)
                {
                    position += PageHeaderSize(position);
                }
                var onPage = Math.Min(count, pageSize - position % pageSize);
                position += onPage;
                count -= onPage;
            }
            return count > 0 ? -1 : position;
        }

        /// <summary>The record at <paramref name="position"/> (its offset and bytes), moving past it; null at the end.</summary>
        public (long Start, byte[] Bytes)? ReadRecord(ref long position)
        {
            if (position < 0 || position >= _end)
            {
                return null;
            }
            if (position % pageSize == 0)
            {
                if ((PageInfo(position) & FirstIsContinuation) != 0)
                {
                    return null;
                }
                position += PageHeaderSize(position);
            }
            var start = position;
            var header = Copy(start, RecordHeader);
            if (header is null)
            {
                return null;
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length < RecordHeader || length > 1 << 30)
            {
                return null;
            }
            var bytes = Copy(start, (int)length);
            if (bytes is null || !CrcMatches(bytes))
            {
                return null;
            }
            position = Align(Skip(start, length));
            return (start, bytes);
        }

        private byte[]? Copy(long position, int count)
        {
            var bytes = new byte[count];
            var copied = 0;
            while (copied < count)
            {
                if (position >= _end)
                {
                    return null;
                }
                if (position % pageSize == 0)
                {
                    position += PageHeaderSize(position);
                }
                var onPage = (int)Math.Min(count - copied, pageSize - position % pageSize);
                segments[(int)(position / segmentSize)].AsSpan((int)(position % segmentSize), onPage).CopyTo(bytes.AsSpan(copied));
                copied += onPage;
                position += onPage;
            }
            return bytes;
        }

        private static long Align(long position) => position < 0 ? position : (position + 7) & ~7L;
    }

    // PostgreSQL's CRC-32C covers the record after its header, then the header up to the CRC field.
    private static bool CrcMatches(byte[] record)
    {
        var crc = Crc32C(0xFFFFFFFF, record.AsSpan(RecordHeader));
        crc = Crc32C(crc, record.AsSpan(0, 20));
        return ~crc == BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(20));
    }

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}
