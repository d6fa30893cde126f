using Lifeboat.Backup;
using Lifeboat.Restore;
using Lifeboat.Snapshots;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Restore;

/// <summary>Files restored in parts by several workers at once: byte-exact, and a damaged part fails only its file.</summary>
public sealed class FilePartRestoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;

    public FilePartRestoreTests() => _store = LocalBlobStore.Create(_temp["repo"]);

    public void Dispose() => _temp.Dispose();

    private async Task<Snapshot> BackupAsync(string source)
    {
        await TestRepository.InitAsync(_store);
        var repository = await TestRepository.OpenAsync(_store);
        var result = await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None);
        return result.Snapshot;
    }

    private async Task<RestoreResult> RestoreAsync(Snapshot snapshot, string target, int parallelism)
    {
        var repository = await TestRepository.OpenAsync(_store);
        // Parts of about one chunk, so every large file is written by several workers in any order.
        var options = new RestoreOptions { Target = target, Parallelism = parallelism, PartBytes = 64 * 1024 };
        return await new Restorer(repository).RunAsync(snapshot, options, new RestoreProgress(), CancellationToken.None);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Large_files_restored_in_parts_by_several_workers_are_byte_exact_beside_small_and_empty_ones(int parallelism)
    {
        var source = _temp["src"];
        var files = new Dictionary<string, byte[]>
        {
            ["big.bin"] = TestData.Random(3_000_000, 1),
            ["text.txt"] = TestData.Text(2_500_000, 2),
            ["small"] = TestData.Random(100, 3),
            ["empty"] = [],
            ["dir/also-big.bin"] = TestData.Random(1_500_000, 4),
        };
        foreach (var (name, content) in files)
        {
            TestData.Write(Path.Combine(source, name), content);
        }
        TestTree.WriteEveryKind(source);
        var snapshot = await BackupAsync(source);

        var target = _temp["target"];
        var result = await RestoreAsync(snapshot, target, parallelism);

        Assert.True(result.Complete, string.Join("; ", result.Errors));
        foreach (var (name, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(target + source + "/" + name));
        }
        Assert.Empty(TestTree.Temporaries(target));
    }

    [Fact]
    public async Task A_damaged_chunk_in_the_last_part_of_a_large_file_fails_that_file_only_and_leaves_no_temporary_file()
    {
        var source = _temp["src"];
        TestData.Write(Path.Combine(source, "big.bin"), TestData.Random(3_000_000, 5));
        TestData.Write(Path.Combine(source, "other.bin"), TestData.Random(200_000, 6));
        var snapshot = await BackupAsync(source);

        var repository = await TestRepository.OpenAsync(_store);
        TreeNode? big = null;
        await new TreeReader(repository).WalkAsync(TreeReader.ParseId(snapshot.Tree), "/", (path, node) =>
        {
            big = node.Name == "big.bin" ? node : big;
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.True(big?.Content is { Count: > 2 }, "the large file must span several chunks");
        Assert.True(repository.Index.TryGet(big!.Content![^1], out var last));
        var pack = Directory.GetFiles(_temp["repo/data"], last.Pack.ToString(), SearchOption.AllDirectories).Single();
        using (var file = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = last.Entry.Offset + last.Entry.StoredLength / 2;
            var b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x40));
        }

        var target = _temp["target"];
        var result = await RestoreAsync(snapshot, target, parallelism: 3);

        var error = Assert.Single(result.Errors);
        Assert.Equal(source + "/big.bin", error.Path);
        Assert.False(File.Exists(target + source + "/big.bin"));
        Assert.Equal(TestData.Random(200_000, 6), File.ReadAllBytes(target + source + "/other.bin"));
        Assert.Empty(Directory.GetFiles(target, ".lb-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task On_a_full_disk_the_files_that_do_not_fit_fail_those_that_fit_are_whole_and_no_temporary_name_is_left()
    {
        var source = _temp["src"];
        var files = new Dictionary<string, byte[]> { ["big.bin"] = TestData.Random(4_000_000, 7) };
        for (var i = 0; i < 5; i++)
        {
            files[$"small{i}.bin"] = TestData.Random(100_000, 10 + i);
        }
        foreach (var (name, content) in files)
        {
            TestData.Write(Path.Combine(source, name), content);
        }
        var snapshot = await BackupAsync(source);
        var mount = _temp["small"];
        Directory.CreateDirectory(mount);
        var mounted = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mount]);
        mounted.WaitForExit();
        Assert.True(mounted.ExitCode == 0, "this test needs root to mount a 3 MiB tmpfs");
        try
        {
            var result = await RestoreAsync(snapshot, mount, parallelism: 3);

            Assert.Contains(result.Errors, e => e.Path == source + "/big.bin" && e.Reason.Contains("No space left"));
            Assert.False(File.Exists(mount + source + "/big.bin"));
            foreach (var (name, content) in files.Where(f => File.Exists(mount + source + "/" + f.Key)))
            {
                Assert.Equal(content, File.ReadAllBytes(mount + source + "/" + name));
            }
            Assert.Equal(files.Count, result.Errors.Count + Directory.GetFiles(mount + source).Length);
            Assert.Empty(Directory.GetFiles(mount, ".lb-*", SearchOption.AllDirectories));
        }
        finally
        {
            System.Diagnostics.Process.Start("umount", [mount]).WaitForExit();
        }
    }
}
