using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Crypto;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>Append-only keys: a backup host that can add snapshots but never destroy them.</summary>
public sealed class AppendOnlyTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;

    public AppendOnlyTests()
    {
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "admin", ["LIFEBOAT_NEW_PASSWORD"] = "backup-host" };
        TestData.Write(_temp["src/a.bin"], TestData.Random(200_000, 1));
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_append_only_key_backs_up_but_cannot_forget_prune_or_remove_keys_and_changes_nothing_trying()
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "init")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "backup", _temp["src"])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "key", "add", "--append-only")).ExitCode);
        var adminKey = JsonDocument.Parse((await CliRunner.RunAsync(_env, "key", "list", "--json")).Stdout).RootElement
            .EnumerateArray().Single(k => !k.GetProperty("appendOnly").GetBoolean()).GetProperty("id").GetString()!;

        _env["LIFEBOAT_PASSWORD"] = "backup-host";
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "backup", _temp["src"])).ExitCode);
        var snapshotsBefore = Directory.GetFiles(_temp["repo/snapshots"]).Length;
        var filesBefore = Directory.GetFiles(_temp["repo"], "*", SearchOption.AllDirectories).Length;
        foreach (var args in new[] { new[] { "forget", "--keep-last", "1" }, ["prune"], ["key", "remove", adminKey[..10]], ["repair", "index"] })
        {
            var refused = await CliRunner.RunAsync(_env, args);
            Assert.Equal(ExitCodes.Failure, refused.ExitCode);
            Assert.Contains("append-only", refused.Stderr);
        }
        _env["LIFEBOAT_NEW_PASSWORD"] = "escalate";
        Assert.Equal(ExitCodes.Failure, (await CliRunner.RunAsync(_env, "key", "add")).ExitCode);
        Assert.Equal(snapshotsBefore, Directory.GetFiles(_temp["repo/snapshots"]).Length);
        Assert.Equal(filesBefore, Directory.GetFiles(_temp["repo"], "*", SearchOption.AllDirectories).Length);

        _env["LIFEBOAT_PASSWORD"] = "admin";
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "forget", "--keep-last", "1")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "prune")).ExitCode);
    }

    [Fact]
    public async Task Editing_the_append_only_flag_out_of_a_key_file_makes_the_key_useless()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        var repository = await TestRepository.InitAsync(store);
        var name = await repository.AddKeyAsync("limited", CancellationToken.None, appendOnly: true);
        var path = Path.Combine(_temp["repo/keys"], name.ToString());
        var edited = File.ReadAllText(path).Replace("\"appendOnly\":true", "\"appendOnly\":false");
        File.Delete(path);
        await store.PutAsync(new BlobName(BlobKind.Key, Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(edited)).ToString()),
            System.Text.Encoding.UTF8.GetBytes(edited), CancellationToken.None);
        await Assert.ThrowsAsync<WrongPasswordException>(() => global::Lifeboat.Repository.Repository.OpenAsync(store, "limited", CancellationToken.None));
    }

    [Fact]
    public async Task The_append_only_store_refuses_deletes_except_of_locks()
    {
        var inner = new MemoryBlobStore();
        var store = new AppendOnlyBlobStore(inner);
        await store.PutAsync(new BlobName(BlobKind.Snapshot, new string('a', 64)), new byte[] { 1 }, CancellationToken.None);
        await Assert.ThrowsAsync<AppendOnlyException>(() => store.DeleteAsync(new BlobName(BlobKind.Snapshot, new string('a', 64)), CancellationToken.None));
        Assert.Single(inner.Names);
        await store.PutAsync(new BlobName(BlobKind.Lock, new string('b', 64)), new byte[] { 1 }, CancellationToken.None);
        await store.DeleteAsync(new BlobName(BlobKind.Lock, new string('b', 64)), CancellationToken.None);
        Assert.Single(inner.Names);
    }
}
