using Lifeboat.Backup;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Repository;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Restore;

/// <summary>Restores into targets that are not empty, and repair of damaged packs: nothing escapes or is lost.</summary>
public sealed class RestoreSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;

    public RestoreSafetyTests() => _store = LocalBlobStore.Create(_temp["repo"]);

    public void Dispose() => _temp.Dispose();

    private async Task<BackupResult> BackupAsync(string source)
    {
        var repository = await TestRepository.OpenAsync(_store);
        return await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None);
    }

    private async Task<RestoreResult> RestoreAsync(Snapshots.Snapshot snapshot, string target)
    {
        var repository = await TestRepository.OpenAsync(_store);
        return await new Restorer(repository).RunAsync(snapshot, new RestoreOptions { Target = target }, new RestoreProgress(), CancellationToken.None);
    }

    [Fact]
    public async Task A_symlink_in_the_target_where_the_snapshot_has_a_directory_is_replaced_and_nothing_is_written_through_it()
    {
        var source = _temp["src"];
        TestData.Write(Path.Combine(source, "data/secret.txt"), "from the snapshot"u8.ToArray());
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(source);

        var outside = _temp["outside"];
        Directory.CreateDirectory(outside);
        var target = _temp["target"];
        Directory.CreateDirectory(target + source);
        File.CreateSymbolicLink(target + source + "/data", outside);

        var result = await RestoreAsync(backup.Snapshot, target);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.True(Posix.LStat(target + source + "/data").IsDirectory);
        Assert.Equal("from the snapshot", File.ReadAllText(target + source + "/data/secret.txt"));
    }

    [Fact]
    public async Task A_hard_link_is_never_made_to_a_stale_file_when_its_partner_failed_to_restore()
    {
        var source = _temp["src"];
        TestData.Write(Path.Combine(source, "a"), TestData.Random(100_000, 1));
        Posix.Link(Path.Combine(source, "a"), Path.Combine(source, "b"));
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(source);
        foreach (var pack in Directory.GetFiles(_temp["repo/data"], "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(pack);
            bytes[50] ^= 1; // damages the first chunk: file a's content
            File.WriteAllBytes(pack, bytes);
        }
        var target = _temp["target"];
        TestData.Write(target + source + "/a", "OLD-A"u8.ToArray());
        TestData.Write(target + source + "/b", "OLD-B"u8.ToArray());

        var result = await RestoreAsync(backup.Snapshot, target);
        Assert.Equal(2, result.Errors.Count);
        Assert.Equal("OLD-A", File.ReadAllText(target + source + "/a"));
        Assert.Equal("OLD-B", File.ReadAllText(target + source + "/b"));
    }

    [Fact]
    public async Task A_file_with_a_name_of_250_bytes_restores()
    {
        var source = _temp["src"];
        var name = new string('n', 250);
        TestData.Write(Path.Combine(source, name), "long"u8.ToArray());
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(source);
        var result = await RestoreAsync(backup.Snapshot, _temp["target"]);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        Assert.Equal("long", File.ReadAllText(_temp["target"] + source + "/" + name));
    }

    [Fact]
    public async Task Repair_index_keeps_the_chunks_of_a_pack_whose_header_is_damaged()
    {
        var source = _temp["src"];
        TestData.Write(Path.Combine(source, "f.bin"), TestData.Random(300_000, 3));
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(source);
        var pack = Directory.GetFiles(_temp["repo/data"], "*", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(pack);
        bytes[^10] ^= 1; // inside the sealed header
        File.WriteAllBytes(pack, bytes);

        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(_store, TestRepository.Password, CancellationToken.None);
        var (_, unreadable) = await new IndexRebuilder(repository).RunAsync(CancellationToken.None);
        Assert.Single(unreadable);
        var result = await RestoreAsync(backup.Snapshot, _temp["target"]);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "f.bin")), File.ReadAllBytes(_temp["target"] + source + "/f.bin"));
    }

    [Fact]
    public async Task A_damaged_snapshot_does_not_stop_backups_or_restores_of_the_others()
    {
        var source = _temp["src"];
        TestData.Write(Path.Combine(source, "f.txt"), "one"u8.ToArray());
        await TestRepository.InitAsync(_store);
        var first = await BackupAsync(source);
        File.WriteAllText(Path.Combine(source, "f.txt"), "two");
        var second = await BackupAsync(source);
        var firstPath = Path.Combine(_temp["repo/snapshots"], first.Id.ToString());
        var bytes = File.ReadAllBytes(firstPath);
        bytes[30] ^= 1;
        File.WriteAllBytes(firstPath, bytes);

        var repository = await TestRepository.OpenAsync(_store);
        var listing = await repository.ListSnapshotsAsync(CancellationToken.None);
        Assert.Equal(second.Id, Assert.Single(listing.Readable).Id);
        Assert.Equal(first.Id, Assert.Single(listing.Damaged).Id);
        await Assert.ThrowsAsync<Lifeboat.Snapshots.DamagedSnapshotException>(() => repository.LoadSnapshotsAsync(CancellationToken.None));
        var third = await BackupAsync(source);
        Assert.NotEmpty(third.Warnings);
        Assert.True((await RestoreAsync(second.Snapshot, _temp["target"])).Complete);
        Assert.Equal("two", File.ReadAllText(_temp["target"] + source + "/f.txt"));
    }
}
