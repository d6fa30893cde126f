using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Crypto;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// A damaged or hostile snapshot in a real repository, met by the CLI run as a process: no command skips it without a
/// word, 'latest' never quietly means an older snapshot, and every command that acts on the whole list refuses.
/// </summary>
public sealed class DamagedSnapshotCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;

    public DamagedSnapshotCliTests() =>
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = TestRepository.Password, ["LIFEBOAT_FROM_PASSWORD"] = TestRepository.Password };

    public void Dispose() => _temp.Dispose();

    private async Task<CliRunner.Result> RunAsync(params string[] args) => await CliRunner.RunAsync(_env, args);

    // Two backups of one file ("one", then "two"); returns their IDs, oldest first.
    private async Task<(string Older, string Newer)> TwoBackupsAsync()
    {
        Assert.Equal(0, (await RunAsync("init")).ExitCode);
        TestData.Write(Path.Combine(_temp["src"], "f.txt"), "one"u8.ToArray());
        Assert.Equal(0, (await RunAsync("backup", _temp["src"])).ExitCode);
        TestData.Write(Path.Combine(_temp["src"], "f.txt"), "two"u8.ToArray());
        Assert.Equal(0, (await RunAsync("backup", _temp["src"])).ExitCode);
        using var list = JsonDocument.Parse((await RunAsync("snapshots", "--json")).Stdout);
        var ids = list.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(2, ids.Count);
        return (ids[0], ids[1]);
    }

    private void Damage(string id)
    {
        var path = Path.Combine(_temp["repo"], "snapshots", id);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task Restore_latest_refuses_with_exit_4_when_the_newest_snapshot_is_damaged_and_the_older_one_restores_only_when_named()
    {
        var (older, newer) = await TwoBackupsAsync();
        Damage(newer);

        var latest = await RunAsync("restore", "latest", "--target", _temp["latest"]);
        Assert.True(latest.ExitCode == ExitCodes.Damaged, latest.Stdout + latest.Stderr);
        Assert.Contains(newer[..8], latest.Stderr);
        Assert.Contains($"the newest readable match is {older[..8]}", latest.Stderr);
        Assert.False(Directory.Exists(_temp["latest"]) && Directory.EnumerateFileSystemEntries(_temp["latest"]).Any());
        var ls = await RunAsync("ls", "latest");
        Assert.True(ls.ExitCode == ExitCodes.Damaged, ls.Stdout + ls.Stderr);

        var named = await RunAsync("restore", older[..8], "--target", _temp["older"]);
        Assert.True(named.ExitCode == 0, named.Stderr);
        Assert.Equal("one", File.ReadAllText(_temp["older"] + _temp["src"] + "/f.txt"));
    }

    [Fact]
    public async Task Restore_of_a_damaged_snapshot_by_id_says_it_is_damaged_with_exit_4()
    {
        var (_, newer) = await TwoBackupsAsync();
        Damage(newer);
        var restore = await RunAsync("restore", newer[..8], "--target", _temp["target"]);
        Assert.True(restore.ExitCode == ExitCodes.Damaged, restore.Stdout + restore.Stderr);
        Assert.Contains($"snapshot {newer[..8]}", restore.Stderr);
        Assert.Contains("damaged", restore.Stderr);
        Assert.DoesNotContain("no snapshot has an ID", restore.Stderr);
    }

    [Fact]
    public async Task Snapshots_lists_a_damaged_snapshot_as_damaged_and_exits_4()
    {
        var (older, newer) = await TwoBackupsAsync();
        Damage(newer);
        var list = await RunAsync("snapshots");
        Assert.True(list.ExitCode == ExitCodes.Damaged, list.Stdout + list.Stderr);
        Assert.Contains($"{newer[..8]}  DAMAGED", list.Stdout);
        Assert.Contains(older[..8], list.Stdout);
        Assert.Contains(newer[..8], list.Stderr);
    }

    [Fact]
    public async Task Copy_without_names_copies_the_readable_snapshots_and_exits_4_naming_the_damaged_one_it_left_behind()
    {
        var (older, newer) = await TwoBackupsAsync();
        Damage(newer);
        var offsite = new Dictionary<string, string?>(_env) { ["LIFEBOAT_REPOSITORY"] = _temp["offsite"] };
        Assert.Equal(0, (await CliRunner.RunAsync(offsite, "init", "--copy-chunker-from", _temp["repo"])).ExitCode);

        var copy = await CliRunner.RunAsync(offsite, "copy", "--from-repo", _temp["repo"]);
        Assert.True(copy.ExitCode == ExitCodes.Damaged, copy.Stdout + copy.Stderr);
        Assert.Contains("copied 1 snapshots", copy.Stdout);
        Assert.Contains("1 damaged snapshots NOT copied", copy.Stdout);
        Assert.Contains(newer[..8], copy.Stderr);
        var copied = await CliRunner.RunAsync(offsite, "restore", "latest", "--target", _temp["restored"]);
        Assert.True(copied.ExitCode == 0, copied.Stderr);
        Assert.Equal("one", File.ReadAllText(_temp["restored"] + _temp["src"] + "/f.txt"));
        _ = older;
    }

    [Fact]
    public async Task Forget_refuses_a_policy_while_a_snapshot_is_damaged_and_removes_the_damaged_one_when_named()
    {
        var (older, newer) = await TwoBackupsAsync();
        Damage(older);
        var snapshots = Path.Combine(_temp["repo"], "snapshots");

        var refused = await RunAsync("forget", "--keep-last", "1");
        Assert.True(refused.ExitCode == ExitCodes.Damaged, refused.Stdout + refused.Stderr);
        Assert.Contains(older[..8], refused.Stderr);
        Assert.Contains("removed none", refused.Stderr);
        Assert.Equal(2, Directory.GetFiles(snapshots).Length);

        var named = await RunAsync("forget", older[..8]);
        Assert.True(named.ExitCode == 0, named.Stderr);
        Assert.Equal([newer], Directory.GetFiles(snapshots).Select(Path.GetFileName));
        Assert.Equal(0, (await RunAsync("forget", "--keep-last", "1")).ExitCode);
        Assert.Equal(0, (await RunAsync("snapshots")).ExitCode);
    }

    [Fact]
    public async Task An_authenticated_snapshot_with_null_tags_lists_and_restores_and_one_with_null_paths_is_reported_damaged()
    {
        var (older, _) = await TwoBackupsAsync();
        var store = new LocalBlobStore(_temp["repo"]);
        var repository = await TestRepository.OpenAsync(store);
        var original = await repository.LoadSnapshotAsync(Digest.Parse(older), CancellationToken.None);
        var nullTags = await PlantAsync(repository, original with { Tags = null!, Username = null!, Time = original.Time.AddHours(1) });

        var list = await RunAsync("snapshots");
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        Assert.Contains(nullTags.Short, list.Stdout);
        var restore = await RunAsync("restore", nullTags.Short, "--target", _temp["target"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);

        // Lifeboat itself never writes one: saving it is refused before anything is stored.
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => repository.SaveSnapshotAsync(original with { Paths = null! }, CancellationToken.None));
        Assert.Contains("field 'paths' is null", refused.Message);
        var nullPaths = await PlantAsync(repository, original with { Paths = null!, Time = original.Time.AddHours(2) });
        var damaged = await RunAsync("snapshots");
        Assert.True(damaged.ExitCode == ExitCodes.Damaged, damaged.Stdout + damaged.Stderr);
        Assert.Contains($"snapshot {nullPaths.Short}: field 'paths' is null", damaged.Stderr);
        Assert.DoesNotContain("unexpected error", damaged.Stderr);
    }

    // Anyone with the key (or a bug in another writer) can store any JSON; SaveSnapshotAsync refuses to, so the hostile
    // snapshot is sealed and stored here exactly as the repository stores one (format §9).
    private static async Task<Digest> PlantAsync(Lifeboat.Repository.Repository repository, Lifeboat.Snapshots.Snapshot snapshot)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot, Lifeboat.Repository.RepositoryJson.Default.Snapshot);
        var stored = repository.Key.Box.Seal(json, "lifeboat-snapshot"u8);
        var id = Digest.Sha256(stored);
        await repository.Store.PutAsync(new BlobName(BlobKind.Snapshot, id.ToString()), stored, CancellationToken.None);
        return id;
    }

    [Fact]
    public async Task A_damaged_config_is_named_in_the_error()
    {
        Assert.Equal(0, (await RunAsync("init")).ExitCode);
        var config = Path.Combine(_temp["repo"], "config");
        var bytes = File.ReadAllBytes(config);
        bytes[^1] ^= 1;
        File.WriteAllBytes(config, bytes);
        var list = await RunAsync("snapshots");
        Assert.Equal(ExitCodes.Failure, list.ExitCode);
        Assert.Contains("the repository config 'config'", list.Stderr);
        Assert.Contains("is damaged", list.Stderr);
    }
}
