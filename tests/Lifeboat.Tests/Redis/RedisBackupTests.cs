using System.Diagnostics;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

/// <summary>lifeboat backup redis / restore redis through the real CLI, against real redis-server processes.</summary>
public sealed class RedisBackupTests
{
    [Fact]
    public async Task Keys_of_every_type_in_several_databases_round_trip_exactly_through_a_data_directory_and_a_scratch_server()
    {
        using var repository = await RedisRepository.CreateAsync();
        await using var server = await RedisTestServer.StartAsync();
        SortedDictionary<string, string> before;
        await using (var client = await server.ConnectAsync())
        {
            await RedisDataSet.LoadAsync(client);
            before = await RedisDataSet.ReadAsync(client);
        }

        // Once streamed from the fork (diskless, the default), once written to the server's disk first.
        var diskless = await repository.BackupAsync(server.Url);
        await using (var client = await server.ConnectAsync())
        {
            await client.ExecuteAsync(["CONFIG", "SET", "repl-diskless-sync", "no"], default);
        }
        var id = await repository.BackupAsync(server.Url);
        Directory.CreateDirectory(repository.Temp["data"]);
        Directory.CreateDirectory(repository.Temp["diskless"]);
        var toDirectory = await repository.RunAsync("restore", "redis", id, "--target-dir", repository.Temp["data"]);
        var disklessToDirectory = await repository.RunAsync("restore", "redis", diskless, "--target-dir", repository.Temp["diskless"]);
        var scratch = await repository.RunAsync("restore", "redis", "latest", "--scratch");
        var after = await ReadRestoredAsync(repository.Temp["data"]);
        var afterDiskless = await ReadRestoredAsync(repository.Temp["diskless"]);
        var log = File.ReadAllText(Path.Combine(server.Server.Directory, "redis.log"));
        var source = await repository.SourceOfAsync(id);

        Assert.True(toDirectory.ExitCode == 0, toDirectory.Stderr);
        Assert.True(disklessToDirectory.ExitCode == 0, disklessToDirectory.Stderr);
        Assert.Equal(before, after);
        Assert.Equal(before, afterDiskless);
        Assert.Contains("Starting BGSAVE for SYNC with target: replicas sockets", log);
        Assert.Contains("Starting BGSAVE for SYNC with target: disk", log);
        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
        Assert.Contains("db0: 14 keys, as recorded", scratch.Stdout);
        Assert.Contains("db1: 500 keys, as recorded", scratch.Stdout);
        Assert.Contains("db7: 1 keys, as recorded", scratch.Stdout);
        Assert.Equal(("14", "500", "1", "1", "1"), (source["keys.db0"], source["keys.db1"], source["keys.db7"], source["expires.db0"], source["expires.db7"]));
        Assert.Equal("rdb", source["keys.counted"]);
        Assert.StartsWith("7.", source["server.version"]);
        Assert.Equal(new FileInfo(repository.Temp["data/dump.rdb"]).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), source["rdb.bytes"]);
    }

    [Fact]
    public async Task Backups_under_a_steady_write_load_pass_redis_check_rdb_and_their_key_counts()
    {
        using var repository = await RedisRepository.CreateAsync();
        await using var server = await RedisTestServer.StartAsync();
        await using (var client = await server.ConnectAsync())
        {
            await client.ExecuteAsync(["DEBUG", "POPULATE", "200000", "pre", "64"], default);
        }
        using var stop = new CancellationTokenSource();
        var writes = 0L;
        var writer = Task.Run(async () =>
        {
            await using var client = await server.ConnectAsync();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await client.ExecuteAsync(["SET", $"w:{i}", $"value {i}"], default);
                await client.ExecuteAsync(["HSET", "h", $"f{i % 5000}", $"{i}"], default);
                await client.ExecuteAsync(["RPUSH", "l", $"{i}"], default);
                if (i % 3 == 0)
                {
                    await client.ExecuteAsync(["DEL", $"w:{i / 2}"], default);
                }
                Interlocked.Increment(ref writes);
            }
        });

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await repository.BackupAsync(server.Url));
        }
        stop.Cancel();
        await writer;

        Assert.True(Interlocked.Read(ref writes) > 100, "the writer made progress during the backups");
        foreach (var id in ids)
        {
            var directory = Directory.CreateDirectory(repository.Temp[$"restore-{id[..8]}"]).FullName;
            var restore = await repository.RunAsync("restore", "redis", id, "--target-dir", directory);
            Assert.True(restore.ExitCode == 0, restore.Stderr);
            using var check = Process.Start(new ProcessStartInfo("redis-check-rdb", [Path.Combine(directory, "dump.rdb")]) { RedirectStandardOutput = true })!;
            var report = await check.StandardOutput.ReadToEndAsync();
            await check.WaitForExitAsync();
            Assert.True(check.ExitCode == 0, report);
            Assert.Contains("RDB looks OK", report);
            var scratch = await repository.RunAsync("restore", "redis", id, "--scratch");
            Assert.True(scratch.ExitCode == 0, scratch.Stderr);
            Assert.Contains("as recorded", scratch.Stdout);
        }
    }

    [Fact]
    public async Task A_password_protected_server_is_backed_up_with_a_password_from_the_url_a_file_or_the_environment_and_an_acl_user()
    {
        using var repository = await RedisRepository.CreateAsync();
        await using var server = await RedisTestServer.StartAsync("s3cret", "--requirepass", "s3cret",
            "--user", "backup", "on", ">bpw", "-@all", "+sync", "+replconf", "+info", "+ping",
            "--user", "reader", "on", ">rpw", "-@all", "+info", "+ping");
        await using (var client = await server.Server.ConnectAsync(default))
        {
            await client.ExecuteAsync(["SET", "k", "v"], default);
        }
        File.WriteAllText(repository.Temp["redis-password"], "s3cret\n");
        var bare = $"redis://127.0.0.1:{server.Port}";

        await repository.BackupAsync($"redis://backup:bpw@127.0.0.1:{server.Port}");
        await repository.BackupAsync($"redis://:s3cret@127.0.0.1:{server.Port}");
        await repository.BackupAsync(bare, "--redis-password-file", repository.Temp["redis-password"]);
        repository.Environment["REDISCLI_AUTH"] = "s3cret";
        await repository.BackupAsync(bare);
        repository.Environment["REDISCLI_AUTH"] = null;
        var wrong = await repository.RunAsync("backup", "redis", "--url", $"redis://backup:Xyzzy123@127.0.0.1:{server.Port}");
        var none = await repository.RunAsync("backup", "redis", "--url", bare);
        var noRights = await repository.RunAsync("backup", "redis", "--url", $"redis://reader:rpw@127.0.0.1:{server.Port}");
        var listed = await repository.RunAsync("snapshots");

        Assert.Equal(4, repository.SnapshotCount);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("WRONGPASS", wrong.Stderr);
        Assert.DoesNotContain("Xyzzy123", wrong.Stderr + wrong.Stdout);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("requires a password (NOAUTH)", none.Stderr);
        Assert.Equal(1, noRights.ExitCode);
        Assert.Contains("refused", noRights.Stderr);
        Assert.Contains("NOPERM", noRights.Stderr);
        Assert.DoesNotContain("bpw", listed.Stdout);
        Assert.DoesNotContain("s3cret", listed.Stdout);
    }

    [Fact]
    public async Task An_unreachable_server_records_no_snapshot_and_says_nothing_listens()
    {
        using var repository = await RedisRepository.CreateAsync();
        int port;
        await using (var server = await RedisTestServer.StartAsync())
        {
            port = server.Port;
        }

        var backup = await repository.RunAsync("backup", "redis", "--url", $"redis://127.0.0.1:{port}");

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains($"nothing listens on redis://127.0.0.1:{port}", backup.Stderr);
        Assert.Equal(0, repository.SnapshotCount);
    }

    [Theory]
    [InlineData("flipped byte", "is damaged: its CRC-64 is")]
    [InlineData("truncated", "the snapshot is incomplete")]
    [InlineData("not an rdb", "not an RDB file")]
    [InlineData("no checksum", "without a checksum")]
    [InlineData("refused", "refused the snapshot (SYNC): NOPERM this user has no permissions to run the 'sync' command; the user needs the permissions +sync")]
    [InlineData("replica without master", "refused the snapshot (SYNC): NOMASTERLINK Can't SYNC while not connected with my master")]
    public async Task A_damaged_short_foreign_or_refused_transfer_records_no_snapshot(string damage, string expected)
    {
        using var repository = await RedisRepository.CreateAsync();
        var rdb = await repository.RealRdbAsync();
        var answer = damage switch
        {
            "flipped byte" => FakeRedisServer.WithLength(Flip(rdb, rdb.Length / 2)),
            "truncated" => FakeRedisServer.WithLength(rdb[..^100], rdb.Length),
            "not an rdb" => FakeRedisServer.WithLength([.. "PGDMP"u8, .. rdb[5..]]),
            "no checksum" => FakeRedisServer.WithLength([.. rdb[..^8], 0, 0, 0, 0, 0, 0, 0, 0]),
            "replica without master" => "\n-NOMASTERLINK Can't SYNC while not connected with my master\r\n"u8.ToArray(),
            _ => "-NOPERM this user has no permissions to run the 'sync' command\r\n"u8.ToArray(),
        };
        await using var fake = new FakeRedisServer(() => answer);

        var backup = await repository.RunAsync("backup", "redis", "--url", fake.Url, "--read-timeout", "5");

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains(expected, backup.Stderr);
        Assert.Equal(0, repository.SnapshotCount);
    }

    [Fact]
    public async Task The_diskless_format_with_an_end_mark_is_stored_byte_for_byte()
    {
        using var repository = await RedisRepository.CreateAsync();
        var rdb = await repository.RealRdbAsync();
        await using var fake = new FakeRedisServer(() => FakeRedisServer.Diskless(rdb));

        var id = await repository.BackupAsync(fake.Url);
        Directory.CreateDirectory(repository.Temp["data"]);
        var restore = await repository.RunAsync("restore", "redis", id, "--target-dir", repository.Temp["data"]);
        var source = await repository.SourceOfAsync(id);

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(rdb, File.ReadAllBytes(repository.Temp["data/dump.rdb"]));
        Assert.Equal("7.0.99", source["server.version"]);
        Assert.Equal(("14", "500"), (source["keys.db0"], source["keys.db1"]));
    }

    private static async Task<SortedDictionary<string, string>> ReadRestoredAsync(string directory)
    {
        await using var restored = await ScratchRedisServer.StartAsync(directory, [], null, TimeSpan.FromSeconds(60), default);
        await using var client = await restored.ConnectAsync(default);
        return await RedisDataSet.ReadAsync(client);
    }

    private static byte[] Flip(byte[] data, int offset)
    {
        var copy = data.ToArray();
        copy[offset] ^= 0x10;
        return copy;
    }
}
