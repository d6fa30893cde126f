using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Check;

/// <summary>
/// Readers beside a backup that commits in the middle of their reading: the commit is forced into the window between
/// two listings every time (<see cref="FaultyBlobStore.BeforeList"/>), so the race that made check raise false alarms
/// happens on every run instead of 2 in 90.
/// </summary>
public sealed class ConcurrentCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;

    public ConcurrentCheckTests() => _store = LocalBlobStore.Create(_temp["repo"]);

    public void Dispose() => _temp.Dispose();

    private async Task<BackupResult> BackupAsync(int round)
    {
        for (var i = 0; i < 4; i++)
        {
            TestData.Write(_temp[$"src/f{i}.bin"], TestData.Random(200_000, round * 10 + i));
        }
        var repository = await TestRepository.OpenAsync(_store);
        return await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [_temp["src"]] }, new BackupProgress(), CancellationToken.None);
    }

    [Theory]
    [InlineData(BlobKind.Index)]
    [InlineData(BlobKind.Pack)]
    [InlineData(BlobKind.Snapshot)]
    public async Task A_backup_committing_before_any_listing_of_check_is_never_reported_as_damage(BlobKind committedBefore)
    {
        await TestRepository.InitAsync(_store);
        await BackupAsync(1);
        var commits = 0;
        var faulty = new FaultyBlobStore(_store)
        {
            BeforeList = async (kind, _) =>
            {
                // One commit, at the chosen point of check's reading, by a writer of its own (another repository object).
                if (kind == committedBefore && Interlocked.Increment(ref commits) == 1)
                {
                    await BackupAsync(2);
                }
            },
        };
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(faulty, TestRepository.Password, CancellationToken.None);
        var report = await new Checker(repository).RunAsync(new CheckOptions(), null, CancellationToken.None);
        Assert.Equal(1, commits);
        Assert.True(report.Errors.Count == 0, string.Join("\n", report.Errors));
        Assert.Empty(report.Damaged);
    }

    [Fact]
    public async Task The_newest_snapshot_listed_after_the_index_was_loaded_restores_completely()
    {
        await TestRepository.InitAsync(_store);
        await BackupAsync(1);
        // The index is loaded here, as every command loads it right after taking its lock ...
        var reader = await TestRepository.OpenAsync(_store);
        // ... and a backup commits before the command lists the snapshots to resolve 'latest'.
        var newest = await BackupAsync(2);
        var listing = await reader.ListSnapshotsAsync(CancellationToken.None);
        var (id, snapshot) = listing.Readable[^1];
        Assert.Equal(newest.Id, id);
        var result = await new Restorer(reader).RunAsync(snapshot, new RestoreOptions { Target = _temp["target"] }, new RestoreProgress(), CancellationToken.None);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        Assert.Equal(File.ReadAllBytes(_temp["src/f0.bin"]), File.ReadAllBytes(_temp["target"] + _temp["src"] + "/f0.bin"));
    }
}
