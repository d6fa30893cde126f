using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Compression;
using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Backup;

/// <summary>Interrupted writes, a full disk, a faulty codec and wrong passwords: nothing half-done is ever committed.</summary>
public sealed class FaultTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _disk;
    private readonly string _source;

    public FaultTests()
    {
        _disk = LocalBlobStore.Create(_temp["repo"]);
        _source = _temp["source"];
        for (var i = 0; i < 12; i++)
        {
            TestData.Write(Path.Combine(_source, $"sub{i % 3}", $"f{i}.bin"), i % 2 == 0 ? TestData.Random(700_000, i) : TestData.Text(700_000, i));
        }
    }

    public void Dispose() => _temp.Dispose();

    private static Task<BackupResult> BackupAsync(global::Lifeboat.Repository.Repository repository, string source) =>
        new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None);

    private async Task<int> SnapshotCountAsync()
    {
        var count = 0;
        await foreach (var _ in _disk.ListAsync(BlobKind.Snapshot, CancellationToken.None))
        {
            count++;
        }
        return count;
    }

    private async Task AssertCheckCleanAndRestoresAsync()
    {
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(_disk, TestRepository.Password, CancellationToken.None);
        var report = await new Checker(repository).RunAsync(new CheckOptions { ReadData = true }, null, CancellationToken.None);
        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        var reader = await TestRepository.OpenAsync(_disk);
        foreach (var (_, snapshot) in await reader.LoadSnapshotsAsync(CancellationToken.None))
        {
            var target = _temp["restore-" + Guid.NewGuid().ToString("N")[..6]];
            var result = await new Restorer(reader).RunAsync(snapshot, new RestoreOptions { Target = target }, new RestoreProgress(), CancellationToken.None);
            Assert.True(result.Complete, string.Join("; ", result.Errors));
            Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, target + _source));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public async Task A_backup_interrupted_after_any_number_of_writes_records_no_snapshot_and_the_next_backup_is_clean(int writesBeforeCrash)
    {
        await TestRepository.InitAsync(_disk);
        var faulty = new FaultyBlobStore(_disk) { FailPutAfter = writesBeforeCrash };
        var repository = await TestRepository.OpenAsync(faulty);
        await Assert.ThrowsAnyAsync<IOException>(() => BackupAsync(repository, _source));
        Assert.Equal(0, await SnapshotCountAsync());

        var healthy = await TestRepository.OpenAsync(_disk);
        var second = await BackupAsync(healthy, _source);
        Assert.Empty(second.Errors);
        await AssertCheckCleanAndRestoresAsync();
    }

    [Fact]
    public async Task A_full_disk_fails_the_backup_with_no_snapshot_and_nothing_truncated_under_a_final_name()
    {
        await TestRepository.InitAsync(_disk);
        var faulty = new FaultyBlobStore(_disk) { DiskFullAfterBytes = 2_000_000 };
        var repository = await TestRepository.OpenAsync(faulty);
        var error = await Assert.ThrowsAnyAsync<IOException>(() => BackupAsync(repository, _source));
        Assert.Contains("No space left", error.Message);
        Assert.Equal(0, await SnapshotCountAsync());
        // Every object that exists is whole: a data check of what was written finds no damage.
        await AssertCheckCleanAndRestoresAsync();
    }

    [Fact]
    public async Task A_real_full_disk_fails_the_backup_and_leaves_only_whole_objects()
    {
        var mount = _temp["small"];
        Directory.CreateDirectory(mount);
        var mounted = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mount]);
        mounted.WaitForExit();
        Assert.True(mounted.ExitCode == 0, "this test needs root to mount a 3 MiB tmpfs");
        try
        {
            var store = LocalBlobStore.Create(Path.Combine(mount, "repo"));
            var repository = await TestRepository.InitAsync(store);
            var error = await Assert.ThrowsAnyAsync<IOException>(() => BackupAsync(repository, _source));
            Assert.True(error.Message.Contains("No space left"), error.ToString());
            await foreach (var _ in store.ListAsync(BlobKind.Snapshot, CancellationToken.None))
            {
                Assert.Fail("a snapshot was recorded on a full disk");
            }
            var check = await new Checker(await global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None))
                .RunAsync(new CheckOptions { ReadData = true }, null, CancellationToken.None);
            Assert.True(check.IsClean, string.Join("; ", check.Errors));
        }
        finally
        {
            System.Diagnostics.Process.Start("umount", [mount]).WaitForExit();
        }
    }

    [Fact]
    public async Task A_faulty_codec_fails_the_backup_before_a_corrupt_chunk_is_stored()
    {
        await TestRepository.InitAsync(_disk);
        var repository = await TestRepository.OpenAsync(_disk);
        repository.UseCompressor(new CorruptingCompressor());
        var error = await Assert.ThrowsAsync<CorruptObjectException>(() => BackupAsync(repository, _source));
        Assert.Contains("self-verification", error.Message);
        Assert.Equal(0, await SnapshotCountAsync());
    }

    [Fact]
    public async Task A_wrong_password_opens_nothing_and_writes_nothing()
    {
        await TestRepository.InitAsync(_disk);
        var before = Directory.GetFiles(_temp["repo"], "*", SearchOption.AllDirectories).Length;
        await Assert.ThrowsAsync<WrongPasswordException>(() => global::Lifeboat.Repository.Repository.OpenAsync(_disk, "wrong", CancellationToken.None));
        Assert.Equal(before, Directory.GetFiles(_temp["repo"], "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_repository_is_refused_with_RepositoryNotFoundException()
    {
        await Assert.ThrowsAsync<global::Lifeboat.Repository.RepositoryNotFoundException>(() =>
            global::Lifeboat.Repository.Repository.OpenAsync(new LocalBlobStore(_source), TestRepository.Password, CancellationToken.None));
    }

    [Fact]
    public async Task Initialising_over_an_existing_repository_is_refused()
    {
        await TestRepository.InitAsync(_disk);
        await Assert.ThrowsAsync<global::Lifeboat.Repository.RepositoryExistsException>(() => TestRepository.InitAsync(_disk));
    }

    [Fact]
    public async Task A_second_key_opens_the_repository_and_the_key_in_use_cannot_be_removed()
    {
        var repository = await TestRepository.InitAsync(_disk);
        var second = await repository.AddKeyAsync("second password", CancellationToken.None);
        var reopened = await global::Lifeboat.Repository.Repository.OpenAsync(_disk, "second password", CancellationToken.None);
        Assert.Equal(second, reopened.KeyName);
        Assert.Equal(2, (await reopened.ListKeysAsync(CancellationToken.None)).Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.RemoveKeyAsync(second, CancellationToken.None));

        await reopened.RemoveKeyAsync(repository.KeyName, CancellationToken.None);
        await Assert.ThrowsAsync<WrongPasswordException>(() => global::Lifeboat.Repository.Repository.OpenAsync(_disk, TestRepository.Password, CancellationToken.None));
        Assert.NotNull(await global::Lifeboat.Repository.Repository.OpenAsync(_disk, "second password", CancellationToken.None));
    }

    [Fact]
    public async Task A_backup_whose_commit_check_fails_writes_no_snapshot()
    {
        await TestRepository.InitAsync(_disk);
        var repository = await TestRepository.OpenAsync(_disk);
        var options = new BackupOptions { Paths = [_source], BeforeCommit = _ => throw new global::Lifeboat.Locking.RepositoryLockedException("lock gone") };
        await Assert.ThrowsAsync<global::Lifeboat.Locking.RepositoryLockedException>(() =>
            new Archiver(repository, TimeProvider.System).RunAsync(options, new BackupProgress(), CancellationToken.None));
        Assert.Equal(0, await SnapshotCountAsync());
    }
}
