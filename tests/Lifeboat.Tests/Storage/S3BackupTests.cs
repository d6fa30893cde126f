using System.Diagnostics;
using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Cli.Commands;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Storage.S3;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Backups, restores and checks through the Lifeboat API against a real s3rver, healthy and behind a faulty proxy.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3BackupTests(S3rverFixture server) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var d in _disposables)
        {
            d.Dispose();
        }
        _temp.Dispose();
    }

    private string MakeSource()
    {
        var source = _temp["source"];
        for (var i = 0; i < 10; i++)
        {
            TestData.Write(Path.Combine(source, $"sub{i % 3}", $"f{i}.bin"), i % 2 == 0 ? TestData.Random(400_000 + i, i) : TestData.Text(300_000 + i, i));
        }
        TestData.Write(Path.Combine(source, "empty"), []);
        File.CreateSymbolicLink(Path.Combine(source, "link"), "sub0/f0.bin");
        TestTree.WriteEveryKind(source);
        return source;
    }

    private S3BlobStore Store(string location, S3BlobStoreOptions? options = null)
    {
        var store = new S3BlobStore(S3Location.Parse(location), options ?? S3rverFixture.FastRetries);
        _disposables.Add(store);
        return store;
    }

    private static async Task<BackupResult> BackupAsync(IBlobStore store, string source) =>
        await new Archiver(await TestRepository.OpenAsync(store), TimeProvider.System)
            .RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None);

    private async Task AssertRestoresExactlyAndChecksCleanAsync(IBlobStore store, BackupResult backup, string source)
    {
        var target = _temp["restore-" + Guid.NewGuid().ToString("N")[..6]];
        var restored = await new Restorer(await TestRepository.OpenAsync(store))
            .RunAsync(backup.Snapshot, new RestoreOptions { Target = target }, new RestoreProgress(), CancellationToken.None);
        Assert.True(restored.Complete, string.Join("; ", restored.Errors));
        Assert.Empty(TreeComparer.Compare(source, target + source));

        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None);
        var report = await new Checker(repository).RunAsync(new CheckOptions { ReadData = true }, null, CancellationToken.None);
        Assert.True(report.IsClean, string.Join("; ", report.Errors.Concat(report.Warnings)));
    }

    private static async Task<int> CountAsync(IBlobStore store, BlobKind kind)
    {
        var count = 0;
        await foreach (var _ in store.ListAsync(kind, CancellationToken.None))
        {
            count++;
        }
        return count;
    }

    [Fact]
    public async Task A_backup_through_s3rver_restores_byte_exact_and_check_read_data_is_clean()
    {
        var source = MakeSource();
        var store = Store(server.NewLocation());
        await TestRepository.InitAsync(store);

        var backup = await BackupAsync(store, source);

        Assert.Empty(backup.Errors);
        Assert.True(await CountAsync(store, BlobKind.Pack) >= 3);
        await AssertRestoresExactlyAndChecksCleanAsync(store, backup, source);
    }

    [Fact]
    public async Task Backup_restore_and_check_complete_through_an_endpoint_that_fails_a_fifth_of_requests()
    {
        var source = MakeSource();
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 42) { FaultRate = 0.2, MaxFaultsPerRequest = 3 };
        var store = Store(server.NewLocation(proxy.Endpoint));
        await TestRepository.InitAsync(store);

        var backup = await BackupAsync(store, source);

        Assert.Empty(backup.Errors);
        await AssertRestoresExactlyAndChecksCleanAsync(store, backup, source);
        Assert.True(proxy.Faults >= 10, $"{proxy.Faults} faults in {proxy.Requests} requests");
    }

    [Fact]
    public async Task An_endpoint_that_always_fails_makes_puts_and_backups_fail_clearly_within_a_bounded_time()
    {
        var source = MakeSource();
        var location = server.NewLocation();
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 1);
        var failing = Store(location.Replace(server.Endpoint.GetLeftPart(UriPartial.Authority), proxy.Endpoint.GetLeftPart(UriPartial.Authority)),
            S3rverFixture.FastRetries with { MaxAttempts = 4 });
        await TestRepository.InitAsync(failing);
        var repository = await TestRepository.OpenAsync(failing);
        (proxy.FaultRate, proxy.MaxFaultsPerRequest) = (1, int.MaxValue);

        var clock = Stopwatch.StartNew();
        var put = await Assert.ThrowsAsync<IOException>(
            () => failing.PutAsync(new BlobName(BlobKind.Lock, new string('a', 64)), new byte[10], CancellationToken.None));
        Assert.Contains("failed after 4 attempts", put.Message);
        var backup = await Assert.ThrowsAnyAsync<IOException>(() => new Archiver(repository, TimeProvider.System)
            .RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None));
        Assert.Contains("after 4 attempts", backup.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(0, await CountAsync(Store(location), BlobKind.Snapshot));
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_fails_after_the_attempt_timeouts()
    {
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 1) { Stall = true };
        var store = Store(server.NewLocation(proxy.Endpoint),
            S3rverFixture.FastRetries with { MaxAttempts = 3, AttemptTimeout = TimeSpan.FromMilliseconds(500) });

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(
            () => store.GetAsync(new BlobName(BlobKind.Index, new string('b', 64)), CancellationToken.None));

        Assert.Contains("failed after 3 attempts", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_put_whose_stored_bytes_differ_from_those_sent_fails_and_leaves_nothing_under_the_name()
    {
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 1) { CorruptNextPuts = 1 };
        var store = Store(server.NewLocation(proxy.Endpoint));
        var name = new BlobName(BlobKind.Pack, new string('c', 64));

        var e = await Assert.ThrowsAsync<S3StoredObjectMismatchException>(
            () => store.PutAsync(name, TestData.Random(100_000, 5), CancellationToken.None));

        Assert.Contains("stored object differs from what was sent", e.Message);
        Assert.Equal(1, proxy.Corrupted);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetSizeAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task A_backup_whose_pack_upload_is_stored_corrupted_fails_and_records_no_snapshot()
    {
        var source = MakeSource();
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 1);
        var store = Store(server.NewLocation(proxy.Endpoint));
        await TestRepository.InitAsync(store);
        var repository = await TestRepository.OpenAsync(store);
        proxy.CorruptNextPuts = 1;

        var e = await Assert.ThrowsAnyAsync<IOException>(() => new Archiver(repository, TimeProvider.System)
            .RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None));

        Assert.Contains("stored object differs", e.Message);
        Assert.Equal(0, await CountAsync(store, BlobKind.Snapshot));
    }
}
