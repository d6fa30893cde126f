using System.Buffers;
using Lifeboat.FileSystem;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// A spool marker's file stamp (device, inode, size, mtime, ctime) standing in for hashing the segment: trusted only
/// while the very file that was read is there unchanged. Each marker here records a wrong SHA-256 on purpose, so a
/// consumed marker can only have been proved by its stamp, and a refused one shows the stamp was not trusted.
/// </summary>
public sealed class WalSpoolStampTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private static readonly string WrongHash = new('0', 64);
    private readonly TempDirectory _folder = new();
    private readonly string _wal;
    private readonly WalSpool _spool;

    public WalSpoolStampTests()
    {
        _wal = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        _spool = new WalSpool(Path.Combine(_folder.Path, "spool"), "/repository", "postgres");
    }

    public void Dispose() => _folder.Dispose();

    // Stamps are given only for files that have not changed for a second (a write could otherwise leave ctime as is).
    private static void LetSettle() => Thread.Sleep(TimeSpan.FromMilliseconds(1100));

    private async Task<string> SegmentWithMarkerAsync(ulong number = 7)
    {
        var segment = FakeSegments.Write(_wal, Cluster, number);
        LetSettle();
        var stamp = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared).Stamp;
        Assert.NotNull(stamp);
        await _spool.RecordAsync(segment, WrongHash, stamp, CancellationToken.None);
        return segment;
    }

    [Fact]
    public void A_file_changed_within_the_last_second_is_read_without_a_stamp()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);

        var (buffer, length, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared);

        Assert.Null(stamp);
        Assert.Equal(File.ReadAllBytes(segment), buffer[..length]);
    }

    [Fact]
    public void A_fresh_file_unchanged_since_its_writer_declared_it_complete_is_read_with_its_stamp()
    {
        // PostgreSQL creates archive_status/NAME.ready only once the segment is written and flushed.
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        var ready = Path.Combine(_folder.Path, "ready");
        File.WriteAllText(ready, "");

        var (_, _, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared, Posix.LStat(ready).CtimeNanos);

        Assert.Equal(WalFileStamp.Of(segment), stamp);
    }

    [Fact]
    public void A_fresh_file_changed_after_its_writer_declared_it_complete_is_read_without_a_stamp()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        var ready = Path.Combine(_folder.Path, "ready");
        File.WriteAllText(ready, "");
        var completed = Posix.LStat(ready).CtimeNanos;
        // A later change in another clock tick: the coarse clock advances every few milliseconds.
        Thread.Sleep(50);
        File.SetUnixFileMode(segment, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (_, _, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared, completed);

        Assert.Null(stamp);
    }

    [Fact]
    public void A_settled_file_is_read_with_the_stamp_it_still_has()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        LetSettle();

        var (buffer, length, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared);

        Assert.Equal(WalFileStamp.Of(segment), stamp);
        Assert.Equal(FakeSegments.Size, stamp!.Value.Size);
        Assert.Equal(File.ReadAllBytes(segment), buffer[..length]);
        Assert.Equal(stamp, WalFileStamp.Parse(stamp.Value.Format()));
    }

    [Fact]
    public async Task An_untouched_segment_is_proved_by_its_stamp_alone()
    {
        var segment = await SegmentWithMarkerAsync();

        Assert.True(_spool.TryConsume(segment));
        Assert.False(File.Exists(Path.Combine(_spool.Directory, Path.GetFileName(segment))));
    }

    [Fact]
    public async Task A_segment_rewritten_in_place_with_its_mtime_put_back_is_not_trusted()
    {
        var segment = await SegmentWithMarkerAsync();
        var before = Posix.LStat(segment);
        var content = await File.ReadAllBytesAsync(segment);
        content[FakeSegments.Size / 2] ^= 1;
        await using (var same = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            await same.WriteAsync(content);
        }
        Posix.SetTimes(segment, before.MtimeNanos, followSymlink: true);
        Assert.Equal(before.Inode, Posix.LStat(segment).Inode);
        Assert.Equal(before.MtimeNanos, Posix.LStat(segment).MtimeNanos);

        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public async Task A_recycled_segment_renamed_onto_the_name_is_not_trusted()
    {
        // PostgreSQL recycles an old segment by renaming it to a future segment's name.
        var segment = await SegmentWithMarkerAsync(7);
        var old = FakeSegments.Write(_wal, Cluster, 3);
        File.Move(old, segment, overwrite: true);

        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public async Task The_same_content_renamed_away_and_back_is_checked_by_its_hash_not_trusted_by_its_stamp()
    {
        var segment = await SegmentWithMarkerAsync();
        File.Move(segment, segment + ".moved");
        File.Move(segment + ".moved", segment);

        // Rename moved ctime; the marker's (wrong) hash then decides.
        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public async Task A_segment_deleted_and_written_again_with_the_same_content_is_not_trusted_by_its_stamp()
    {
        var segment = await SegmentWithMarkerAsync();
        var content = await File.ReadAllBytesAsync(segment);
        File.Delete(segment);
        await File.WriteAllBytesAsync(segment, content);

        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public async Task A_changed_segment_with_a_marker_holding_its_true_hash_is_still_proved_by_the_hash()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        LetSettle();
        var (buffer, length, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared);
        await _spool.RecordAsync(segment, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.AsSpan(0, length))), stamp, CancellationToken.None);
        File.Move(segment, segment + ".moved");
        File.Move(segment + ".moved", segment);

        Assert.True(_spool.TryConsume(segment));
    }

    [Fact]
    public void A_marker_with_a_malformed_stamp_proves_nothing()
    {
        var marker = new WalSpoolMarker { File = "000000010000000000000007", Sha256 = WrongHash, Component = "postgres", Repository = "/r", Stamp = new WalFileStamp(1, 2, 3, 4, 5) };
        Assert.Equal(marker, WalSpoolMarker.Parse(marker.Format()));
        Assert.Null(WalSpoolMarker.Parse(marker.Format().Replace("1 2 3 4 5", "1 2 3 4", StringComparison.Ordinal)));
        Assert.Null(WalSpoolMarker.Parse(marker.Format().Replace("1 2 3 4 5", "1 2 x 4 5", StringComparison.Ordinal)));
        Assert.Null(WalSpoolMarker.Parse(marker.Format().Replace("1 2 3 4 5", "", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_marker_a_stamp_vouches_for_records_no_hash_so_a_changed_file_goes_to_the_repository()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);
        LetSettle();
        var (buffer, _, stamp) = WalFileStamp.ReadAll(segment, ArrayPool<byte>.Shared);
        ArrayPool<byte>.Shared.Return(buffer);
        await _spool.RecordAsync(segment, null, stamp, CancellationToken.None);
        var marker = WalSpoolMarker.Parse(await File.ReadAllTextAsync(Path.Combine(_folder.Path, "spool", Path.GetFileName(segment))));
        Assert.Equal((null, stamp), (marker!.Sha256, marker.Stamp));
        File.Move(segment, segment + ".moved");
        File.Move(segment + ".moved", segment);

        Assert.False(_spool.TryConsume(segment));
    }

    [Fact]
    public async Task A_marker_with_neither_a_stamp_nor_a_hash_is_neither_written_nor_read()
    {
        var segment = FakeSegments.Write(_wal, Cluster, 7);

        await Assert.ThrowsAsync<ArgumentException>(() => _spool.RecordAsync(segment, null, null, CancellationToken.None));
        Assert.Null(WalSpoolMarker.Parse($"{WalSpoolMarker.Tag}\n{Path.GetFileName(segment)}\n-\npostgres\n/repository\n-\n"));
    }
}
