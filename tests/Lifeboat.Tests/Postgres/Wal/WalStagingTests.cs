using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalStagingTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();
    private readonly MemoryBlobStore _store = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Completed_files_are_pushed_oldest_first_and_deleted_while_the_partial_and_temporary_files_stay()
    {
        var archive = new WalArchive(await TestRepository.InitAsync(_store));
        using var staging = WalStaging.Open(_folder.Path, archive, "postgres");
        FakeSegments.Write(_folder.Path, Cluster, 5);
        FakeSegments.Write(_folder.Path, Cluster, 4);
        var partial = FakeSegments.Write(_folder.Path, Cluster, 6);
        File.Move(partial, partial + ".partial");
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "00000002.history.tmp"), "1\t0/6000000\tno recovery target specified\n");

        var pushed = new List<WalReceivedFile>();
        Assert.Equal(2, await staging.PushCompletedAsync(pushed.Add, CancellationToken.None));

        Assert.Equal(["000000010000000000000004", "000000010000000000000005"], pushed.Select(p => p.File));
        Assert.All(pushed, p => Assert.True(p.Stored && p.Bytes == FakeSegments.Size));
        Assert.True(await archive.HoldsAsync(Cluster, "000000010000000000000005", CancellationToken.None));
        Assert.Equal(["000000010000000000000006.partial", "00000002.history.tmp", "lifeboat-receive.lock"],
            Directory.GetFiles(_folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("000000010000000000000006.partial", staging.Partial());
    }

    [Fact]
    public async Task A_segment_the_archive_refuses_stays_in_staging_with_every_newer_one()
    {
        var archive = new WalArchive(await TestRepository.InitAsync(_store));
        var other = Path.Combine(_folder.Path, "other");
        Directory.CreateDirectory(other);
        await archive.PushAsync(FakeSegments.Write(other, Cluster, 4), "postgres", CancellationToken.None);
        var stagingFolder = Path.Combine(_folder.Path, "staging");
        using var staging = WalStaging.Open(stagingFolder, archive, "postgres");
        // Same name, other content: what a second cluster streaming into the same component would deliver.
        FakeSegments.Write(stagingFolder, Cluster, 4);
        FakeSegments.Write(stagingFolder, Cluster, 5);

        await Assert.ThrowsAsync<WalConflictException>(() => staging.PushCompletedAsync(_ => { }, CancellationToken.None));

        Assert.Equal(["000000010000000000000004", "000000010000000000000005"], staging.Completed());
        Assert.False(await archive.HoldsAsync(Cluster, "000000010000000000000005", CancellationToken.None));
    }

    [Fact]
    public async Task A_second_receiver_on_the_same_staging_folder_is_refused()
    {
        var archive = new WalArchive(await TestRepository.InitAsync(_store));
        using var first = WalStaging.Open(_folder.Path, archive, "postgres");

        var refused = Assert.Throws<IOException>(() => WalStaging.Open(_folder.Path, archive, "postgres"));

        Assert.Contains("in use by another 'lifeboat wal receive'", refused.Message);
    }
}
