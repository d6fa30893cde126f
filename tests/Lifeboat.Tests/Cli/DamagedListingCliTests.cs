using Lifeboat.Cli;
using Lifeboat.Snapshots;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// One damaged directory listing in a real repository, met through the command line as after a disk fault: check names
/// it, and restore and ls give everything else and name what they cannot give (exit 3), instead of nothing.
/// </summary>
public sealed class DamagedListingCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;
    private readonly string _source;

    public DamagedListingCliTests()
    {
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = TestRepository.Password };
        _source = _temp["src"];
        for (var d = 0; d < 6; d++)
        {
            for (var f = 0; f < 5; f++)
            {
                TestData.Write(Path.Combine(_source, $"d{d}", $"f{f}.txt"), TestData.Text(2_000 + f, (d * 10) + f));
            }
        }
        TestData.Write(Path.Combine(_source, "d4/deeper/below.txt"), TestData.Text(3_000, 99));
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    /// <summary>Backs up the source and flips one bit in the stored listing of d4.</summary>
    private async Task DamageListingOfD4Async()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        var backup = await Run("backup", _source);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var repository = await TestRepository.OpenAsync(new LocalBlobStore(_temp["repo"]));
        var snapshot = Assert.Single(await repository.LoadSnapshotsAsync(CancellationToken.None)).Snapshot;
        global::Lifeboat.Crypto.Digest? listing = null;
        await new TreeReader(repository).WalkAsync(TreeReader.ParseId(snapshot.Tree), "/", (path, node) =>
        {
            listing = path == _source + "/d4" ? node.Subtree : listing;
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.True(repository.Index.TryGet(listing!.Value, out var location));
        var pack = Path.Combine(_temp["repo"], new BlobName(BlobKind.Pack, location.Pack.ToString()).RelativePath);
        using var stream = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = location.Entry.Offset + (location.Entry.StoredLength / 2);
        var b = stream.ReadByte();
        stream.Position--;
        stream.WriteByte((byte)(b ^ 0x10));
    }

    [Fact]
    public async Task Restore_gives_every_file_outside_the_damaged_listing_and_names_the_directory_with_exit_3()
    {
        await DamageListingOfD4Async();
        var check = await Run("check", "--read-data");
        Assert.Equal(ExitCodes.Damaged, check.ExitCode);
        Assert.Contains(_source + "/d4", check.Stdout + check.Stderr);

        var target = _temp["restore"];
        var restore = await Run("restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == ExitCodes.Incomplete, restore.Stdout + restore.Stderr);
        Assert.Contains($"NOT restored {_source}/d4: directory listing", restore.Stderr);
        Assert.Contains("25 of 25 files verified", restore.Stdout);
        foreach (var d in new[] { 0, 1, 2, 3, 5 })
        {
            for (var f = 0; f < 5; f++)
            {
                Assert.Equal(TestData.Text(2_000 + f, (d * 10) + f), File.ReadAllBytes(target + _source + $"/d{d}/f{f}.txt"));
            }
        }
        Assert.True(Directory.Exists(target + _source + "/d4"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target + _source + "/d4"));
        Assert.Empty(TestTree.Temporaries(target));
    }

    [Fact]
    public async Task Restore_of_an_undamaged_sibling_is_complete_and_of_the_damaged_directory_names_it()
    {
        await DamageListingOfD4Async();
        var sibling = await Run("restore", "latest", "--target", _temp["sibling"], "--include", _source + "/d2");
        Assert.True(sibling.ExitCode == 0, sibling.Stdout + sibling.Stderr);
        Assert.Equal(TestData.Text(2_003, 23), File.ReadAllBytes(_temp["sibling"] + _source + "/d2/f3.txt"));
        Assert.False(Directory.Exists(_temp["sibling"] + _source + "/d1"));

        var below = await Run("restore", "latest", "--target", _temp["below"], "--include", _source + "/d4/deeper");
        Assert.True(below.ExitCode == ExitCodes.Incomplete, below.Stdout + below.Stderr);
        Assert.Contains($"NOT restored {_source}/d4: directory listing", below.Stderr);
    }

    [Fact]
    public async Task Ls_lists_what_it_can_and_names_the_damaged_directory_with_exit_3()
    {
        await DamageListingOfD4Async();
        var ls = await Run("ls", "latest");
        Assert.True(ls.ExitCode == ExitCodes.Incomplete, ls.Stdout + ls.Stderr);
        Assert.Contains(_source + "/d5/f4.txt", ls.Stdout);
        Assert.Contains(_source + "/d4/", ls.Stdout);
        Assert.Contains($"{_source}/d4: directory listing", ls.Stderr);
    }

    [Fact]
    public async Task A_later_backup_still_runs_when_its_parent_snapshot_has_a_damaged_listing_and_holds_the_new_content()
    {
        await DamageListingOfD4Async();
        File.WriteAllBytes(Path.Combine(_source, "d2/f1.txt"), "changed after the damage"u8.ToArray());
        var backup = await Run("backup", _source);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        Assert.Contains($"{_source}/d4: the parent snapshot's listing cannot be read", backup.Stderr);

        var restore = await Run("restore", "latest", "--target", _temp["restore"], "--include", _source + "/d2");
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        Assert.Equal("changed after the damage", File.ReadAllText(_temp["restore"] + _source + "/d2/f1.txt"));
    }
}
