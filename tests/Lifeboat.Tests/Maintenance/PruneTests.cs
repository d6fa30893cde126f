using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Maintenance;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Maintenance;

/// <summary>prune against a real local repository: frees what is unused, keeps what is used, survives crashes.</summary>
public sealed class PruneTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;
    private readonly string _source;

    public PruneTests()
    {
        _store = LocalBlobStore.Create(_temp["repo"]);
        _source = _temp["src"];
    }

    public void Dispose() => _temp.Dispose();

    private async Task<BackupResult> BackupAsync(int round)
    {
        // Each round replaces half of the files: older snapshots hold data the newest does not need.
        for (var i = 0; i < 8; i++)
        {
            var seed = i < 4 ? i : i * 100 + round;
            TestData.Write(Path.Combine(_source, $"f{i}.bin"), TestData.Random(400_000, seed));
        }
        var repository = await TestRepository.OpenAsync(_store);
        return await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [_source] }, new BackupProgress(), CancellationToken.None);
    }

    private async Task<long> RepositoryBytesAsync()
    {
        long total = 0;
        await foreach (var info in _store.ListAsync(BlobKind.Pack, CancellationToken.None))
        {
            total += info.Size;
        }
        return total;
    }

    private async Task<PruneReport> PruneAsync(IBlobStore? store = null, bool dryRun = false) =>
        await new Pruner(await global::Lifeboat.Repository.Repository.OpenAsync(store ?? _store, TestRepository.Password, CancellationToken.None))
            .RunAsync(new PruneOptions { DryRun = dryRun }, null, CancellationToken.None);

    private async Task AssertCleanAndRestorableAsync(BackupResult latest)
    {
        var report = await new Checker(await global::Lifeboat.Repository.Repository.OpenAsync(_store, TestRepository.Password, CancellationToken.None))
            .RunAsync(new CheckOptions { ReadData = true }, null, CancellationToken.None);
        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        var target = _temp["restore-" + Guid.NewGuid().ToString("N")[..6]];
        var result = await new Restorer(await TestRepository.OpenAsync(_store)).RunAsync(latest.Snapshot, new RestoreOptions { Target = target }, new RestoreProgress(), CancellationToken.None);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, target + _source));
    }

    private async Task ForgetAllButAsync(BackupResult keep)
    {
        await foreach (var info in _store.ListAsync(BlobKind.Snapshot, CancellationToken.None))
        {
            if (info.Name.Name != keep.Id.ToString())
            {
                await _store.DeleteAsync(info.Name, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Prune_frees_the_data_of_forgotten_snapshots_and_the_rest_restores_byte_exact()
    {
        await TestRepository.InitAsync(_store, packSize: 1024 * 1024);
        await BackupAsync(1);
        await BackupAsync(2);
        var latest = await BackupAsync(3);
        await ForgetAllButAsync(latest);
        var before = await RepositoryBytesAsync();

        var dry = await PruneAsync(dryRun: true);
        Assert.Equal(before, await RepositoryBytesAsync());
        Assert.True(dry.BytesDeleted > 0);

        var report = await PruneAsync();
        var after = await RepositoryBytesAsync();
        Assert.True(after < before * 0.6, $"{before} -> {after}");
        Assert.Equal(before - after, report.BytesFreed);
        await AssertCleanAndRestorableAsync(latest);
        Assert.Equal(0, (await PruneAsync()).PacksDeleted + (await PruneAsync()).PacksRepacked);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, 0)]
    [InlineData(null, 1)]
    [InlineData(null, 3)]
    public async Task A_prune_that_crashes_leaves_a_clean_repository_and_the_next_prune_finishes(int? putsBeforeCrash, int? deletesBeforeCrash)
    {
        await TestRepository.InitAsync(_store, packSize: 1024 * 1024);
        await BackupAsync(1);
        var latest = await BackupAsync(2);
        await ForgetAllButAsync(latest);
        var faulty = new FaultyBlobStore(_store) { FailPutAfter = putsBeforeCrash, FailDeleteAfter = deletesBeforeCrash };
        await Assert.ThrowsAnyAsync<IOException>(() => PruneAsync(faulty));
        await AssertCleanAndRestorableAsync(latest);

        var before = await RepositoryBytesAsync();
        await PruneAsync();
        Assert.True(await RepositoryBytesAsync() < before);
        await AssertCleanAndRestorableAsync(latest);
    }

    [Fact]
    public async Task A_damaged_snapshot_makes_prune_refuse_before_deleting_anything()
    {
        await TestRepository.InitAsync(_store, packSize: 1024 * 1024);
        var first = await BackupAsync(1);
        await BackupAsync(2);
        var path = Path.Combine(_temp["repo/snapshots"], first.Id.ToString());
        var bytes = File.ReadAllBytes(path);
        bytes[40] ^= 1;
        File.WriteAllBytes(path, bytes);
        var before = await RepositoryBytesAsync();
        await Assert.ThrowsAsync<global::Lifeboat.Crypto.CorruptObjectException>(() => PruneAsync());
        Assert.Equal(before, await RepositoryBytesAsync());
    }

    [Fact]
    public async Task A_listing_that_lacks_indexed_packs_makes_prune_refuse()
    {
        await TestRepository.InitAsync(_store, packSize: 1024 * 1024);
        await BackupAsync(1);
        var packs = Directory.GetFiles(_temp["repo/data"], "*", SearchOption.AllDirectories);
        Directory.CreateDirectory(_temp["hidden"]);
        File.Move(packs[0], Path.Combine(_temp["hidden"], Path.GetFileName(packs[0])));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PruneAsync());
        Assert.Contains("not trusted", error.Message);
    }
}
