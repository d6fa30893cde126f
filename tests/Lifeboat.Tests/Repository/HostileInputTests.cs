using System.Text;
using Lifeboat.Backup;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Repository;

/// <summary>Malformed or foreign objects give clear errors or are ignored; they never crash a command.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("""{"nodes":[{"name":"../etc","type":"file"}]}""", "unsafe name")]
    [InlineData("""{"nodes":[{"name":"a","type":"file"},{"name":"a","type":"file"}]}""", "sorted and unique")]
    [InlineData("""{"nodes":[{"name":"b","type":"file"},{"name":"a","type":"file"}]}""", "sorted and unique")]
    [InlineData("""{"nodes":[{"name":"a","type":"device"}]}""", "unknown type")]
    [InlineData("""{"nodes":[{"name":"a/b","type":"dir"}]}""", "unsafe name")]
    [InlineData("""{"nodes":""", "not valid JSON")]
    public void Tampered_trees_are_refused_with_a_clear_reason(string json, string reason)
    {
        var error = Assert.Throws<CorruptObjectException>(() => Tree.FromJson(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task A_foreign_file_among_the_snapshots_is_ignored_and_check_warns_about_it()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        var repository = await TestRepository.InitAsync(store);
        TestData.Write(_temp["src/a"], [1, 2, 3]);
        await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [_temp["src"]] }, new BackupProgress(), CancellationToken.None);
        File.WriteAllText(_temp["repo/snapshots/README"], "not a snapshot");

        var reopened = await TestRepository.OpenAsync(store);
        Assert.Single(await reopened.LoadSnapshotsAsync(CancellationToken.None));
        var report = await new global::Lifeboat.Check.Checker(await global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None))
            .RunAsync(new global::Lifeboat.Check.CheckOptions(), null, CancellationToken.None);
        Assert.True(report.IsClean);
        Assert.Contains(report.Warnings, w => w.Contains("README"));
    }

    [Fact]
    public async Task A_key_file_whose_bytes_do_not_match_its_name_does_not_open_the_repository()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        await TestRepository.InitAsync(store);
        var keyPath = Directory.GetFiles(_temp["repo/keys"]).Single();
        var json = File.ReadAllText(keyPath).Replace("\"host\":\"", "\"host\":\"x");
        File.WriteAllText(keyPath, json);
        var error = await Assert.ThrowsAsync<WrongPasswordException>(() =>
            global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None));
        Assert.Contains("damaged key files", error.Message);
    }

    [Fact]
    public async Task A_damaged_config_gives_a_clear_error()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        await TestRepository.InitAsync(store);
        var config = File.ReadAllBytes(_temp["repo/config"]);
        config[20] ^= 1;
        File.WriteAllBytes(_temp["repo/config"], config);
        await Assert.ThrowsAsync<CorruptObjectException>(() =>
            global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None));
    }

    [Fact]
    public async Task A_planted_key_file_with_null_fields_neither_crashes_nor_locks_out_the_real_key()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        await TestRepository.InitAsync(store);
        var planted = Encoding.UTF8.GetBytes("""{"version":1,"kdf":"pbkdf2-sha256","iterations":600000,"salt":null,"data":null}""");
        await store.PutAsync(new BlobName(BlobKind.Key, Digest.Sha256(planted).ToString()), planted, CancellationToken.None);

        Assert.NotNull(await global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None));
        var error = await Assert.ThrowsAsync<WrongPasswordException>(() =>
            global::Lifeboat.Repository.Repository.OpenAsync(store, "not the password", CancellationToken.None));
        Assert.Contains("damaged key files", error.Message);
    }
}
