using Lifeboat.Crypto;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalArchiveTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();
    private readonly MemoryBlobStore _store = new();

    public void Dispose() => _folder.Dispose();

    private async Task<WalArchive> ArchiveAsync() => new(await TestRepository.InitAsync(_store));

    [Fact]
    public async Task A_pushed_segment_fetches_back_byte_exact_and_pushing_it_again_is_accepted()
    {
        var archive = await ArchiveAsync();
        var segment = FakeSegments.Write(_folder.Path, Cluster, 3);

        Assert.True(await archive.PushAsync(segment, "postgres", CancellationToken.None));
        Assert.False(await archive.PushAsync(segment, "postgres", CancellationToken.None));

        var fetched = Path.Combine(_folder.Path, "RECOVERYXLOG");
        Assert.True(await archive.FetchAsync(Cluster, Path.GetFileName(segment), fetched, CancellationToken.None));
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(fetched));
        var cluster = await archive.FindClusterAsync("postgres", CancellationToken.None);
        Assert.Equal(Cluster, cluster!.SystemIdentifier);
        Assert.Equal(FakeSegments.Size, cluster.SegmentSize);
    }

    [Fact]
    public async Task A_push_returns_the_content_hash_only_for_a_file_whose_stamp_cannot_vouch_for_it()
    {
        var archive = await ArchiveAsync();
        var fresh = FakeSegments.Write(_folder.Path, Cluster, 3);
        var declared = FakeSegments.Write(_folder.Path, Cluster, 4);

        // Changed a moment ago and not declared complete: no stamp, so the marker needs the hash.
        File.SetLastWriteTimeUtc(fresh, DateTime.UtcNow);
        var (_, hash, noStamp) = await archive.PushFileAsync(fresh, "postgres", completedNanos: null, CancellationToken.None);
        // Declared complete after its last change (as PostgreSQL's .ready file does): the stamp suffices.
        var (_, noHash, stamp) = await archive.PushFileAsync(declared, "postgres", WalFileStamp.Of(declared).CtimeNanos, CancellationToken.None);

        Assert.Equal((Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(fresh))), (WalFileStamp?)null), (hash, noStamp));
        Assert.Equal(((string?)null, WalFileStamp.Of(declared)), (noHash, stamp));
    }

    [Fact]
    public async Task A_backup_file_offered_before_any_segment_is_tied_to_the_cluster_of_the_segments_beside_it()
    {
        var archive = await ArchiveAsync();
        var lonely = Path.Combine(_folder.Path, "lonely");
        Directory.CreateDirectory(lonely);
        var orphan = Path.Combine(lonely, "000000010000000000000003.00000028.backup");
        await File.WriteAllTextAsync(orphan, "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\n");

        // With no segment anywhere to tell its cluster, it is still refused, and nothing is bound.
        await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(orphan, "postgres", CancellationToken.None));
        Assert.Null(await archive.FindClusterAsync("postgres", CancellationToken.None));

        // In a pg_wal folder (segments beside it), PostgreSQL's first offer is archived under their cluster.
        FakeSegments.Write(_folder.Path, Cluster, 4);
        var backup = Path.Combine(_folder.Path, Path.GetFileName(orphan));
        File.Copy(orphan, backup);
        Assert.True(await archive.PushAsync(backup, "postgres", CancellationToken.None));
        Assert.Equal(Cluster, (await archive.FindClusterAsync("postgres", CancellationToken.None))!.SystemIdentifier);
        var fetched = Path.Combine(_folder.Path, "fetched");
        Assert.True(await archive.FetchAsync(Cluster, Path.GetFileName(backup), fetched, CancellationToken.None));
        Assert.Equal(await File.ReadAllBytesAsync(backup), await File.ReadAllBytesAsync(fetched));
    }

    [Fact]
    public async Task Other_content_under_an_archived_name_is_refused_and_the_first_copy_kept()
    {
        var archive = await ArchiveAsync();
        var segment = FakeSegments.Write(_folder.Path, Cluster, 3);
        var original = await File.ReadAllBytesAsync(segment);
        await archive.PushAsync(segment, "postgres", CancellationToken.None);
        var changed = (byte[])original.Clone();
        changed[^1] ^= 1;
        await File.WriteAllBytesAsync(segment, changed);

        var error = await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(segment, "postgres", CancellationToken.None));

        Assert.Contains("already archived with different content", error.Message);
        var fetched = Path.Combine(_folder.Path, "out");
        await archive.FetchAsync(Cluster, Path.GetFileName(segment), fetched, CancellationToken.None);
        Assert.Equal(original, await File.ReadAllBytesAsync(fetched));
    }

    [Fact]
    public async Task A_segment_from_another_cluster_is_refused_and_nothing_is_stored()
    {
        var archive = await ArchiveAsync();
        await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, 3), "postgres", CancellationToken.None);
        var other = Directory.CreateDirectory(Path.Combine(_folder.Path, "other")).FullName;

        var error = await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(FakeSegments.Write(other, Cluster + 1, 4), "postgres", CancellationToken.None));

        Assert.Contains($"system identifier {Cluster}", error.Message);
        Assert.Empty(await archive.ListAsync(Cluster + 1, CancellationToken.None));
        // Under its own component the other cluster archives fine, apart from the first.
        Assert.True(await archive.PushAsync(Path.Combine(other, WalFileName.SegmentName(1, 4, FakeSegments.Size)), "other-db", CancellationToken.None));
    }

    [Fact]
    public async Task A_file_whose_header_names_another_position_than_its_name_is_refused()
    {
        var archive = await ArchiveAsync();
        var renamed = FakeSegments.Write(_folder.Path, Cluster, 5, pageAddress: 4 * (ulong)FakeSegments.Size);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => archive.PushAsync(renamed, "postgres", CancellationToken.None));

        Assert.Contains("not 0/5000000 as its name says", error.Message);
        Assert.Empty(await ListAllAsync());
    }

    [Fact]
    public async Task Fetching_a_file_that_was_never_archived_says_so_and_writes_nothing()
    {
        var archive = await ArchiveAsync();
        await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, 3), "postgres", CancellationToken.None);
        var target = Path.Combine(_folder.Path, "fetched");

        Assert.False(await archive.FetchAsync(Cluster, "000000010000000000000009", target, CancellationToken.None));
        Assert.False(await archive.FetchAsync(Cluster, "00000002.history", target, CancellationToken.None));

        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_folder.Path, ".fetched*"));
    }

    [Fact]
    public async Task An_archived_segment_moved_under_another_segments_name_fails_to_open()
    {
        var archive = await ArchiveAsync();
        await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, 3), "postgres", CancellationToken.None);
        var stored = await _store.GetAsync(WalArchive.ObjectName(Cluster, "000000010000000000000003"), CancellationToken.None);
        await _store.PutAsync(WalArchive.ObjectName(Cluster, "000000010000000000000004"), stored, CancellationToken.None);
        var target = Path.Combine(_folder.Path, "fetched");

        await Assert.ThrowsAsync<CorruptObjectException>(() => archive.FetchAsync(Cluster, "000000010000000000000004", target, CancellationToken.None));

        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task History_files_are_archived_for_the_cluster_the_component_is_bound_to()
    {
        var archive = await ArchiveAsync();
        var history = Path.Combine(_folder.Path, "00000002.history");
        await File.WriteAllTextAsync(history, "1\t0/3000060\tbefore 2026-11-21 10:00:00+00\n");

        await Assert.ThrowsAsync<WalConflictException>(() => archive.PushAsync(history, "postgres", CancellationToken.None));
        await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, 3), "postgres", CancellationToken.None);
        Assert.True(await archive.PushAsync(history, "postgres", CancellationToken.None));

        var fetched = Path.Combine(_folder.Path, "history-copy");
        Assert.True(await archive.FetchAsync(Cluster, "00000002.history", fetched, CancellationToken.None));
        Assert.Equal(await File.ReadAllTextAsync(history), await File.ReadAllTextAsync(fetched));
    }

    [Fact]
    public async Task The_chain_names_the_exact_missing_range_and_a_backup_that_needs_it_is_not_restorable()
    {
        var archive = await ArchiveAsync();
        foreach (var number in new ulong[] { 3, 4, 5, 9, 10 })
        {
            await archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, number), "postgres", CancellationToken.None);
        }
        var chain = await WalChain.LoadAsync(archive, (await archive.FindClusterAsync("postgres", CancellationToken.None))!, CancellationToken.None);
        BaseBackupInfo Backup(ulong start, ulong stop) => new(Cluster, 1, new Lsn(start * (ulong)FakeSegments.Size + 40), new Lsn(stop * (ulong)FakeSegments.Size + 256), 1,
            FakeSegments.Size, 150000, DateTimeOffset.UtcNow);

        var timeline = Assert.Single(chain.Timelines());
        Assert.Equal(["000000010000000000000006..000000010000000000000008"], timeline.Missing);
        var before = await chain.ReachAsync(Backup(3, 4), CancellationToken.None);
        Assert.True(before.Restorable);
        Assert.Equal("000000010000000000000005", before.UntilSegment);
        Assert.Equal(new Lsn(6 * (ulong)FakeSegments.Size), before.UntilLsn);
        var across = await chain.ReachAsync(Backup(5, 9), CancellationToken.None);
        Assert.False(across.Restorable);
        Assert.Equal(["000000010000000000000006..000000010000000000000008"], across.Missing);
        var after = await chain.ReachAsync(Backup(9, 9), CancellationToken.None);
        Assert.Equal("00000001000000000000000A", after.UntilSegment);
    }

    private async Task<List<BlobInfo>> ListAllAsync()
    {
        var all = new List<BlobInfo>();
        await foreach (var info in _store.ListAsync(BlobKind.Wal, CancellationToken.None))
        {
            all.Add(info);
        }
        return all.Where(i => !i.Name.Name.StartsWith("cluster-", StringComparison.Ordinal)).ToList();
    }
}
