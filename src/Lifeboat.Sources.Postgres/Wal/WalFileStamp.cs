using System.Buffers;
using System.Globalization;
using Lifeboat.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Which file a WAL file name pointed to and in what state: device, inode, size, modification and change time (ns).
/// The change time (ctime) moves on every write, truncation, rename, link or permission change and cannot be set from
/// user space, so a file whose stamp is unchanged still holds what was read when the stamp was taken, provided the
/// stamp was taken with the read (<see cref="ReadAll"/>: equal before and after, and the file settled, see there).
/// A file replaced under the same name (PostgreSQL recycling an old segment by renaming it, a copy, a restore) has
/// another inode or a later ctime, so its stamp differs.
/// </summary>
public readonly record struct WalFileStamp(ulong Device, ulong Inode, long Size, long MtimeNanos, long CtimeNanos)
{
    // The kernel stamps files from a clock that advances in ticks (1-10 ms), and a write sets ctime when it starts,
    // not when its data is in place. A file changed shortly before the read could still be changed, or still be
    // taking in a write, without its ctime moving past the stamp; one whose ctime is older than this when the read
    // starts cannot. PostgreSQL finished writing a segment before it marks it ready, so this withholds little.
    private const long SettledNanos = 1_000_000_000;

    // File systems with whole-second times (ctime ending in .000000000) need the margin beyond their granularity.
    private const long SettledWholeSecondNanos = 3_000_000_000;

    /// <summary>The stamp of the file at <paramref name="path"/> now (not following a final symbolic link).</summary>
    public static WalFileStamp Of(string path) => From(Posix.LStat(path));

    /// <summary>
    /// Reads the whole of <paramref name="path"/> into a buffer rented from <paramref name="pool"/> (the caller returns
    /// it) and returns it with the length read and the file's stamp, or with null when the stamp cannot vouch for the
    /// content: the file changed while it was read, or it changed so recently (within a second of the read; on a file
    /// system with whole-second times three seconds) that a write in progress or a later one could leave its ctime
    /// unchanged. The content is always what was read; only the stamp is withheld.
    /// <paramref name="completedNanos"/>, when given, is when the file's writer declared it complete (the ctime of
    /// PostgreSQL's <c>archive_status/NAME.ready</c>, created once the segment is written and flushed): a file whose
    /// ctime is not later than that has had no write since, so it needs no settling time (except on a file system
    /// with whole-second times, where a later write in the same second could leave ctime as it was).
    /// </summary>
    public static (byte[] Buffer, int Length, WalFileStamp? Stamp) ReadAll(string path, ArrayPool<byte> pool, long? completedNanos = null)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var startNanos = UnixNanos(DateTime.UtcNow);
        var before = From(Posix.FStat(handle));
        if (before.Size > Array.MaxLength)
        {
            throw new InvalidDataException($"{path} is {before.Size} bytes, too large for a WAL file");
        }
        var length = (int)before.Size;
        var buffer = pool.Rent(length);
        try
        {
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(read, length - read), read);
                if (n == 0)
                {
                    throw new IOException($"{path} became shorter while it was read");
                }
                read += n;
            }
        }
        catch
        {
            pool.Return(buffer);
            throw;
        }
        var after = From(Posix.FStat(handle));
        var margin = before.CtimeNanos % 1_000_000_000 == 0 ? SettledWholeSecondNanos : SettledNanos;
        var wholeSeconds = before.CtimeNanos % 1_000_000_000 == 0;
        var settled = startNanos - before.CtimeNanos > margin || (!wholeSeconds && before.CtimeNanos <= completedNanos);
        var trusted = after == before && settled;
        return (buffer, length, trusted ? after : null);
    }

    /// <summary>The stored form: five decimal numbers separated by spaces.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Device} {Inode} {Size} {MtimeNanos} {CtimeNanos}");

    /// <summary>Parses <see cref="Format"/>'s output; null for anything else.</summary>
    public static WalFileStamp? Parse(string text)
    {
        var parts = text.Split(' ');
        return parts.Length == 5
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var device)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            && long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)
            && long.TryParse(parts[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ctime)
            ? new WalFileStamp(device, inode, size, mtime, ctime)
            : null;
    }

    private static WalFileStamp From(FileStatus status) => new(status.Device, status.Inode, status.Size, status.MtimeNanos, status.CtimeNanos);

    private static long UnixNanos(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks * 100;
}
