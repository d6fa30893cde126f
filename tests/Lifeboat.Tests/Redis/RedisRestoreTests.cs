using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

/// <summary>Restoring a Redis snapshot into a data directory, and the key-count check of a scratch restore.</summary>
public sealed class RedisRestoreTests
{
    private static async Task<(RedisRepository Repository, byte[] Rdb, string Id)> SnapshotAsync()
    {
        var repository = await RedisRepository.CreateAsync();
        var rdb = await repository.RealRdbAsync();
        await using var fake = new FakeRedisServer(() => FakeRedisServer.WithLength(rdb));
        return (repository, rdb, await repository.BackupAsync(fake.Url));
    }

    [Fact]
    public async Task A_restore_into_a_directory_keeps_the_old_dump_aside_runs_stop_then_start_and_leaves_no_temporary_file()
    {
        var (repository, rdb, id) = await SnapshotAsync();
        using var _ = repository;
        var data = Directory.CreateDirectory(repository.Temp["data"]).FullName;
        var dump = Path.Combine(data, "dump.rdb");
        File.WriteAllText(dump, "old");
        File.SetUnixFileMode(dump, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var log = repository.Temp["commands.log"];

        var restore = await repository.RunAsync("restore", "redis", id, "--target-dir", data,
            "--stop-command", $"echo stop:$(head -c 5 {dump}) >> {log}",
            "--start-command", $"echo start:$(head -c 5 {dump}) >> {log}");

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(["stop:old", "start:REDIS"], File.ReadAllLines(log));
        Assert.Equal(rdb, File.ReadAllBytes(dump));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(dump));
        var files = Directory.GetFiles(data).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal("dump.rdb", files[0]);
        Assert.Matches(@"^dump\.rdb\.before-restore\.\d{8}T\d{6}Z$", files[1]);
        Assert.Equal("old", File.ReadAllText(Path.Combine(data, files[1]!)));
        Assert.Contains(files[1]!, restore.Stdout);
    }

    [Fact]
    public async Task A_failing_stop_command_changes_nothing_and_leaves_no_temporary_file()
    {
        var (repository, _, id) = await SnapshotAsync();
        using var __ = repository;
        var data = Directory.CreateDirectory(repository.Temp["data"]).FullName;
        File.WriteAllText(Path.Combine(data, "dump.rdb"), "old");

        var restore = await repository.RunAsync("restore", "redis", id, "--target-dir", data,
            "--stop-command", "echo redis would not stop >&2; exit 3", "--start-command", $"touch {repository.Temp["started"]}");

        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("redis would not stop", restore.Stderr);
        Assert.Contains("nothing was changed", restore.Stderr);
        Assert.Equal(["dump.rdb"], Directory.GetFiles(data).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(Path.Combine(data, "dump.rdb")));
        Assert.False(File.Exists(repository.Temp["started"]));
    }

    [Fact]
    public async Task A_missing_directory_or_no_target_is_refused()
    {
        var (repository, _, id) = await SnapshotAsync();
        using var _ = repository;

        var missing = await repository.RunAsync("restore", "redis", id, "--target-dir", repository.Temp["nowhere"]);
        var neither = await repository.RunAsync("restore", "redis", id);
        var both = await repository.RunAsync("restore", "redis", id, "--scratch", "--target-dir", repository.Temp.Path);

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
        Assert.False(Directory.Exists(repository.Temp["nowhere"]));
        Assert.Equal(2, neither.ExitCode);
        Assert.Equal(2, both.ExitCode);
    }

    [Fact]
    public async Task A_scratch_server_kept_running_serves_the_restored_keys_on_the_port_it_prints()
    {
        var (repository, _, id) = await SnapshotAsync();
        using var _ = repository;

        var scratch = await repository.RunAsync("--json", "restore", "redis", id, "--scratch", "--keep-running");

        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
        var result = System.Text.Json.JsonDocument.Parse(scratch.Stdout).RootElement;
        var port = result.GetProperty("port").GetInt32();
        var directory = result.GetProperty("directory").GetString()!;
        try
        {
            await using var client = await RespClient.ConnectAsync(new RedisEndpoint { Port = port }, new RedisClientOptions(), default);
            Assert.Equal("hello", (await client.ExecuteAsync(["GET", "s:small"], default)).Text);
            Assert.Equal(14, (await client.ExecuteAsync(["DBSIZE"], default)).Integer);
            await client.SendAsync([.. new[] { "SHUTDOWN", "NOSAVE" }.Select(System.Text.Encoding.ASCII.GetBytes)], default);
        }
        finally
        {
            using var process = System.Diagnostics.Process.GetProcessById(result.GetProperty("pid").GetInt32());
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Fewer_keys_than_recorded_match_only_when_keys_with_a_ttl_account_for_the_difference()
    {
        var recorded = new Dictionary<string, string> { ["keys.db0"] = "100", ["expires.db0"] = "3", ["keys.db2"] = "5" };

        var expired = RedisKeyCountCheck.Compare(recorded, new Dictionary<long, long> { [0] = 98, [2] = 5 });
        var lost = RedisKeyCountCheck.Compare(recorded, new Dictionary<long, long> { [0] = 96, [2] = 5 });
        var extra = RedisKeyCountCheck.Compare(recorded, new Dictionary<long, long> { [0] = 100, [2] = 5, [3] = 1 });
        var missingDb = RedisKeyCountCheck.Compare(recorded, new Dictionary<long, long> { [0] = 100 });

        Assert.True(expired.Matches);
        Assert.Contains("db0: 98 of 100 keys (2 of the 3 keys with a TTL expired since the backup)", expired.Lines);
        Assert.False(lost.Matches);
        Assert.Contains("db0: 96 keys, but the snapshot recorded 100", lost.Lines);
        Assert.False(extra.Matches);
        Assert.False(missingDb.Matches);
    }
}
