using Lifeboat.Backup;
using Lifeboat.Cli.Commands;
using Lifeboat.FileSystem;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Backup;

/// <summary>Backups and restores of real directory trees on the real file system into a local repository.</summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _source;
    private readonly LocalBlobStore _store;

    public BackupRestoreTests()
    {
        _source = _temp["source"];
        _store = LocalBlobStore.Create(_temp["repo"]);
    }

    public void Dispose() => _temp.Dispose();

    private void MakeSourceTree()
    {
        TestData.Write(Path.Combine(_source, "config/app.env"), "SECRET=1\n"u8.ToArray());
        File.SetUnixFileMode(Path.Combine(_source, "config/app.env"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        TestData.Write(Path.Combine(_source, "data/big.bin"), TestData.Random(3 * 1024 * 1024 + 123, 1));
        TestData.Write(Path.Combine(_source, "data/text.log"), TestData.Text(900_000, 2));
        TestData.Write(Path.Combine(_source, "data/empty"), []);
        TestData.Write(Path.Combine(_source, "data/copy.bin"), TestData.Random(3 * 1024 * 1024 + 123, 1));
        Directory.CreateDirectory(Path.Combine(_source, "empty-dir"));
        File.CreateSymbolicLink(Path.Combine(_source, "link-to-config"), "config/app.env");
        File.CreateSymbolicLink(Path.Combine(_source, "dangling"), "does/not/exist");
        Posix.Link(Path.Combine(_source, "data/text.log"), Path.Combine(_source, "data/hardlink.log"));
        Posix.LChown(Path.Combine(_source, "config/app.env"), 1234, 5678);
        File.SetUnixFileMode(Path.Combine(_source, "empty-dir"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.SetGroup);
        Posix.SetTimes(Path.Combine(_source, "data/big.bin"), 1_600_000_000_123_456_789, followSymlink: false);
        // What an ordinary system tree holds besides files: links to directories, a FIFO, a device.
        TestTree.WriteEveryKind(_source);
    }

    private async Task<BackupResult> BackupAsync(global::Lifeboat.Repository.Repository? repository = null, BackupOptions? options = null)
    {
        repository ??= await TestRepository.OpenAsync(_store);
        return await new Archiver(repository, TimeProvider.System).RunAsync(options ?? new BackupOptions { Paths = [_source] }, new BackupProgress(), CancellationToken.None);
    }

    private async Task<RestoreResult> RestoreAsync(BackupResult backup, string target, IReadOnlyList<string>? includes = null)
    {
        var repository = await TestRepository.OpenAsync(_store);
        return await new Restorer(repository).RunAsync(backup.Snapshot, new RestoreOptions { Target = target, Includes = includes ?? [] },
            new RestoreProgress(), CancellationToken.None);
    }

    [Fact]
    public async Task A_restored_tree_is_identical_in_content_modes_owners_times_symlinks_and_hard_links()
    {
        MakeSourceTree();
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync();
        Assert.Empty(backup.Errors);

        var result = await RestoreAsync(backup, _temp["restore"]);
        Assert.True(result.Complete, string.Join("; ", result.Errors));
        var restored = _temp["restore"] + _source;
        Assert.Empty(TreeComparer.Compare(_source, restored));
        var env = Posix.LStat(Path.Combine(restored, "config/app.env"));
        Assert.Equal((1234u, 5678u), (env.Uid, env.Gid));
        Assert.Equal(1_600_000_000_123_456_789, Posix.LStat(Path.Combine(restored, "data/big.bin")).MtimeNanos);
        Assert.Equal(Posix.LStat(Path.Combine(restored, "data/text.log")).Inode, Posix.LStat(Path.Combine(restored, "data/hardlink.log")).Inode);
        Assert.Equal(Posix.LStat(Path.Combine(restored, "doc/gcc-12/changelog.gz")).Inode, Posix.LStat(Path.Combine(restored, "doc/changelog-hardlink.gz")).Inode);
        Assert.True(Posix.LStat(Path.Combine(restored, "doc/cpp-12")).IsSymlink);
        Assert.Equal(FileStatus.FifoType, Posix.LStat(Path.Combine(restored, "special/pipe")).FileType);
        Assert.Empty(TestTree.Temporaries(_temp["restore"]));
    }

    [Fact]
    public async Task Identical_content_is_stored_once()
    {
        MakeSourceTree();
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync();
        var summary = backup.Snapshot.Summary!;
        // big.bin = copy.bin, text.log = hardlink.log and TestTree's changelog.gz = changelog-hardlink.gz: each is
        // stored once; trees add a few KiB.
        const long unique = 3 * 1024 * 1024 + 123 + 900_000 + 9 + 18 + 5_000;
        Assert.InRange(summary.NewBytes, unique, unique + 64 * 1024);
        Assert.Equal(unique + 3 * 1024 * 1024 + 123 + 900_000 + 5_000, summary.BytesRead);
    }

    [Fact]
    public async Task An_unchanged_tree_is_not_read_again_and_adds_no_packs()
    {
        for (var i = 0; i < 2000; i++)
        {
            TestData.Write(Path.Combine(_source, $"d{i / 100:00}", $"f{i:0000}.txt"), TestData.Text(500 + i, i));
        }
        await TestRepository.InitAsync(_store);
        await BackupAsync();
        var second = await BackupAsync();
        Assert.Equal(0, second.Snapshot.Summary!.FilesRead);
        Assert.Equal(2000, second.Snapshot.Summary.Files);
        // Only the listings above the source may change (the shared temp folder's mtime moves as other tests run).
        Assert.True(second.Snapshot.Summary.NewBytes < 4096, $"{second.Snapshot.Summary.NewBytes} new bytes");
        Assert.NotNull(second.Snapshot.Parent);
    }

    [Fact]
    public async Task A_changed_file_is_read_again_and_restores_with_its_new_content()
    {
        MakeSourceTree();
        await TestRepository.InitAsync(_store);
        await BackupAsync();
        var changed = Path.Combine(_source, "data/text.log");
        var content = TestData.Text(900_001, 99);
        File.WriteAllBytes(changed, content);
        var second = await BackupAsync();
        // text.log and its hard link hardlink.log share the inode, so both changed.
        Assert.Equal(2, second.Snapshot.Summary!.FilesRead);

        await RestoreAsync(second, _temp["restore"]);
        Assert.Equal(content, File.ReadAllBytes(_temp["restore"] + changed));
    }

    [Fact]
    public async Task Excluded_paths_are_left_out()
    {
        MakeSourceTree();
        TestData.Write(Path.Combine(_source, "cache/a.tmp"), [1, 2, 3]);
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(options: new BackupOptions { Paths = [_source], Excludes = ["cache", "*.log"] });
        await RestoreAsync(backup, _temp["restore"]);
        var restored = _temp["restore"] + _source;
        Assert.False(Directory.Exists(Path.Combine(restored, "cache")));
        Assert.False(File.Exists(Path.Combine(restored, "data/text.log")));
        Assert.True(File.Exists(Path.Combine(restored, "data/big.bin")));
    }

    [Fact]
    public async Task A_sub_path_restores_alone()
    {
        MakeSourceTree();
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync();
        var result = await RestoreAsync(backup, _temp["restore"], [_source + "/config"]);
        Assert.True(result.Complete);
        Assert.True(File.Exists(_temp["restore"] + _source + "/config/app.env"));
        Assert.False(Directory.Exists(_temp["restore"] + _source + "/data"));
    }

    [Fact]
    public async Task A_missing_source_path_fails_before_anything_is_written()
    {
        await TestRepository.InitAsync(_store);
        var repository = await TestRepository.OpenAsync(_store);
        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            BackupAsync(repository, new BackupOptions { Paths = [_temp["nope"]] }));
        Assert.Equal(0, await CountAsync(BlobKind.Snapshot));
        Assert.Equal(0, await CountAsync(BlobKind.Pack));
    }

    [Fact]
    public async Task Several_paths_restore_under_their_absolute_locations()
    {
        TestData.Write(_temp["a/one.txt"], "one"u8.ToArray());
        TestData.Write(_temp["b/c/two.txt"], "two"u8.ToArray());
        await TestRepository.InitAsync(_store);
        var backup = await BackupAsync(options: new BackupOptions { Paths = [_temp["a"], _temp["b/c"]] });
        await RestoreAsync(backup, _temp["restore"]);
        Assert.Equal("one", File.ReadAllText(_temp["restore"] + _temp["a/one.txt"]));
        Assert.Equal("two", File.ReadAllText(_temp["restore"] + _temp["b/c/two.txt"]));
    }

    private async Task<int> CountAsync(BlobKind kind)
    {
        var count = 0;
        await foreach (var _ in _store.ListAsync(kind, CancellationToken.None))
        {
            count++;
        }
        return count;
    }
}
