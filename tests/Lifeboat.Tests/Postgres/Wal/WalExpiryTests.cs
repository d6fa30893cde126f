using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalExpiryTests : IDisposable
{
    // WAL expiry reads only the source metadata; the root tree only needs to be a well-formed chunk ID.
    private static readonly string FakeTree = Digest.Sha256("not a real tree"u8).ToString();

    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();
    private readonly MemoryBlobStore _store = new();
    private global::Lifeboat.Repository.Repository _repository = null!;
    private WalArchive _archive = null!;

    public void Dispose() => _folder.Dispose();

    private async Task InitAsync()
    {
        _repository = await TestRepository.InitAsync(_store);
        _archive = new WalArchive(_repository);
    }

    private async Task PushAsync(uint timeline, params ulong[] numbers)
    {
        foreach (var number in numbers)
        {
            await _archive.PushAsync(FakeSegments.Write(_folder.Path, Cluster, number, timeline: timeline), "postgres", CancellationToken.None);
        }
    }

    private async Task PushTextAsync(string name, string text)
    {
        var path = Path.Combine(_folder.Path, name);
        await File.WriteAllTextAsync(path, text);
        await _archive.PushAsync(path, "postgres", CancellationToken.None);
    }

    private static BaseBackupInfo Backup(ulong start, ulong stop, uint timeline = 1, uint stopTimeline = 1) =>
        new(Cluster, timeline, new Lsn(start * (ulong)FakeSegments.Size + 40), new Lsn(stop * (ulong)FakeSegments.Size + 256), stopTimeline,
            FakeSegments.Size, 150000, DateTimeOffset.UtcNow);

    private async Task<Digest> SaveAsync(BaseBackupInfo info)
    {
        var source = info.ToMetadata();
        source["kind"] = "postgres";
        return await _repository.SaveSnapshotAsync(new Snapshot { Time = DateTimeOffset.UtcNow, Component = "postgres", Source = source, Tree = FakeTree }, CancellationToken.None);
    }

    private Task ForgetAsync(Digest id) => _store.DeleteAsync(new BlobName(BlobKind.Snapshot, id.ToString()), CancellationToken.None);

    private async Task<List<string>> ArchivedAsync() =>
        [.. (await _archive.ListAsync(Cluster, CancellationToken.None)).Select(f => f.File.Name)];

    private Task<WalExpiryReport> ExpireAsync(DateTimeOffset? keepArchivedAfter = null, bool dryRun = false, bool force = false) =>
        new WalExpiry(_repository).RunAsync("postgres", keepArchivedAfter, dryRun, force, CancellationToken.None);

    private static string Segment(uint timeline, ulong number) => WalFileName.SegmentName(timeline, number, FakeSegments.Size);

    [Fact]
    public async Task Forgetting_the_first_of_two_backups_expires_exactly_the_wal_before_the_second_and_keeps_history_files()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5, 6, 7, 8);
        await PushTextAsync("00000002.history", "1\t0/9000000\tno recovery target specified\n");
        await PushTextAsync($"{Segment(1, 3)}.00000028.backup", "START WAL LOCATION: 0/3000028\n");
        var first = await SaveAsync(Backup(3, 4));
        var second = await SaveAsync(Backup(6, 7));
        var before = await ArchivedAsync();
        var chain = await WalChain.LoadAsync(_archive, (await _archive.FindClusterAsync("postgres", CancellationToken.None))!, CancellationToken.None);
        var reachBefore = await chain.ReachAsync(Backup(6, 7), CancellationToken.None);

        var nothing = await ExpireAsync();
        Assert.Empty(nothing.Expired);
        Assert.Equal(before, await ArchivedAsync());

        await ForgetAsync(first);
        var report = await ExpireAsync();

        Assert.Equal([Segment(1, 3), $"{Segment(1, 3)}.00000028.backup", Segment(1, 4), Segment(1, 5)], report.Expired.Select(e => e.File).Order(StringComparer.Ordinal));
        Assert.Equal(Segment(1, 6), report.KeepFromSegment);
        Assert.Equal(second.ToString(), report.OldestBackupSnapshot);
        Assert.Equal([Segment(1, 6), Segment(1, 7), Segment(1, 8), "00000002.history"], (await ArchivedAsync()).Order(StringComparer.Ordinal));
        Assert.True(report.BytesFreed > 0);
        var after = await WalChainReport.BuildAsync(_repository, "postgres", TimeProvider.System, CancellationToken.None);
        Assert.True(after.Healthy);
        var kept = Assert.Single(after.BaseBackups);
        Assert.True(kept.Restorable);
        Assert.Equal(reachBefore.UntilSegment, kept.ReachableUntilSegment);
        Assert.Empty((await ExpireAsync()).Expired);
    }

    [Fact]
    public async Task A_dry_run_lists_what_would_go_and_why_and_deletes_nothing()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5, 6);
        await SaveAsync(Backup(5, 5));
        var before = await ArchivedAsync();

        var report = await ExpireAsync(dryRun: true);

        Assert.True(report.DryRun);
        Assert.Equal([Segment(1, 3), Segment(1, 4)], report.Expired.Select(e => e.File));
        Assert.All(report.Expired, e => Assert.Contains($"before {Segment(1, 5)}", e.Reason));
        Assert.Equal(before, await ArchivedAsync());
    }

    [Fact]
    public async Task Keep_within_keeps_wal_archived_after_the_limit_even_when_no_backup_needs_it()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5);
        await SaveAsync(Backup(5, 5));

        var recent = await ExpireAsync(keepArchivedAfter: DateTimeOffset.UtcNow.AddDays(-7));
        Assert.Empty(recent.Expired);
        Assert.Equal(2, recent.KeptByAge);
        Assert.Equal(3, (await ArchivedAsync()).Count);

        var old = await ExpireAsync(keepArchivedAfter: DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal([Segment(1, 3), Segment(1, 4)], old.Expired.Select(e => e.File));
        Assert.All(old.Expired, e => Assert.NotNull(e.Archived));
        Assert.Equal([Segment(1, 5)], await ArchivedAsync());
    }

    [Fact]
    public async Task Without_any_base_backup_nothing_expires()
    {
        await InitAsync();
        await PushAsync(1, 3, 4);

        var report = await ExpireAsync(keepArchivedAfter: DateTimeOffset.UtcNow.AddDays(1));

        Assert.Empty(report.Expired);
        Assert.Contains("no physical base backup", report.Note);
        Assert.Equal(2, (await ArchivedAsync()).Count);
    }

    [Fact]
    public async Task Across_a_timeline_switch_only_positions_before_the_oldest_kept_start_go_on_any_timeline()
    {
        await InitAsync();
        await PushAsync(1, 2, 3, 4, 5, 6);
        await PushTextAsync("00000002.history", "1\t0/6000100\tno recovery target specified\n");
        File.Copy(Path.Combine(_folder.Path, Segment(1, 6)), Path.Combine(_folder.Path, $"{Segment(1, 6)}.partial"));
        await _archive.PushAsync(Path.Combine(_folder.Path, $"{Segment(1, 6)}.partial"), "postgres", CancellationToken.None);
        await PushAsync(2, 6, 7, 8);
        // The kept backup started on timeline 1 and its recovery crosses into timeline 2: timeline 1 from 4 on stays.
        await SaveAsync(Backup(4, 5));
        await SaveAsync(Backup(7, 8, timeline: 2, stopTimeline: 2));

        var report = await ExpireAsync();

        Assert.Equal([Segment(1, 2), Segment(1, 3)], report.Expired.Select(e => e.File));
        Assert.Equal([Segment(1, 4), Segment(1, 5), Segment(1, 6), $"{Segment(1, 6)}.partial", "00000002.history", Segment(2, 6), Segment(2, 7), Segment(2, 8)],
            (await ArchivedAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_gap_after_the_oldest_kept_start_refuses_and_deletes_nothing_unless_forced()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5, 6, 8, 9);
        await SaveAsync(Backup(5, 6));
        var before = await ArchivedAsync();

        var refused = await Assert.ThrowsAsync<WalExpiryRefusedException>(() => ExpireAsync());
        Assert.Contains($"timeline 1 is missing {Segment(1, 7)}..{Segment(1, 7)}", refused.Message);
        Assert.Contains("--force", refused.Message);
        Assert.Equal(before, await ArchivedAsync());

        var forced = await ExpireAsync(force: true);
        Assert.Equal([Segment(1, 3), Segment(1, 4)], forced.Expired.Select(e => e.File));
        Assert.Contains(forced.Overridden, o => o.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gap_before_the_oldest_kept_start_is_expired_with_its_neighbours()
    {
        await InitAsync();
        await PushAsync(1, 3, 5, 6, 7);
        await SaveAsync(Backup(6, 6));

        var report = await ExpireAsync();

        Assert.Equal([Segment(1, 3), Segment(1, 5)], report.Expired.Select(e => e.File));
        Assert.True((await WalChainReport.BuildAsync(_repository, "postgres", TimeProvider.System, CancellationToken.None)).Healthy);
    }

    [Fact]
    public async Task A_kept_backup_that_is_not_restorable_refuses()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 6);
        await SaveAsync(Backup(4, 5));

        var refused = await Assert.ThrowsAsync<WalExpiryRefusedException>(() => ExpireAsync());

        Assert.Contains("is not restorable", refused.Message);
        Assert.Equal(3, (await ArchivedAsync()).Count);
    }

    [Fact]
    public async Task An_unreadable_snapshot_refuses_because_it_may_be_a_base_backup()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5);
        await SaveAsync(Backup(5, 5));
        await _store.PutAsync(new BlobName(BlobKind.Snapshot, new string('a', 64)), new byte[200], CancellationToken.None);

        var refused = await Assert.ThrowsAsync<WalExpiryRefusedException>(() => ExpireAsync());

        Assert.Contains("cannot be read", refused.Message);
        Assert.Equal(3, (await ArchivedAsync()).Count);
        Assert.Equal(2, (await ExpireAsync(force: true)).Expired.Count);
    }

    [Fact]
    public async Task Backups_of_another_cluster_and_logical_dumps_do_not_hold_wal_back()
    {
        await InitAsync();
        await PushAsync(1, 3, 4, 5);
        await SaveAsync(Backup(5, 5));
        await SaveAsync(Backup(1, 1) with { SystemIdentifier = 42 });
        await _repository.SaveSnapshotAsync(new Snapshot { Component = "postgres", Source = new Dictionary<string, string> { ["kind"] = "postgres", ["mode"] = "logical" }, Tree = FakeTree },
            CancellationToken.None);

        var report = await ExpireAsync();

        Assert.Equal([Segment(1, 3), Segment(1, 4)], report.Expired.Select(e => e.File));
        Assert.Equal(1, report.BaseBackups);
    }
}
