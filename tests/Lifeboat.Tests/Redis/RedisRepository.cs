using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Tests.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Redis;

/// <summary>A fresh repository in a temporary directory, and the CLI run against it.</summary>
internal sealed class RedisRepository : IDisposable
{
    private RedisRepository(TempDirectory temp) => Temp = temp;

    public TempDirectory Temp { get; }

    public Dictionary<string, string?> Environment { get; } = [];

    public int SnapshotCount => Directory.GetFiles(Temp["repo/snapshots"]).Length;

    public static async Task<RedisRepository> CreateAsync()
    {
        var repository = new RedisRepository(new TempDirectory());
        repository.Environment["LIFEBOAT_PASSWORD"] = "pw";
        repository.Environment["LIFEBOAT_REPOSITORY"] = repository.Temp["repo"];
        repository.Environment["REDISCLI_AUTH"] = null;
        var init = await repository.RunAsync("init");
        Assert.True(init.ExitCode == 0, init.Stderr);
        return repository;
    }

    public Task<CliRunner.Result> RunAsync(params string[] arguments) => CliRunner.RunAsync(Environment, arguments);

    /// <summary>Backs up <paramref name="url"/> and returns the new snapshot's ID; fails the test on an error.</summary>
    public async Task<string> BackupAsync(string url, params string[] more)
    {
        var backup = await RunAsync(["--json", "backup", "redis", "--url", url, .. more]);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        return JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("snapshot").GetString()!;
    }

    /// <summary>The source map the snapshot recorded.</summary>
    public async Task<Dictionary<string, string>> SourceOfAsync(string id)
    {
        var list = await RunAsync("snapshots", "--json");
        var entry = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);
        return entry.GetProperty("snapshot").GetProperty("source").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>An RDB file of a real server holding <see cref="RedisDataSet"/>, taken with redis-cli --rdb.</summary>
    public async Task<byte[]> RealRdbAsync()
    {
        await using var server = await RedisTestServer.StartAsync();
        await using (var client = await server.ConnectAsync())
        {
            await RedisDataSet.LoadAsync(client);
        }
        var path = Temp["real.rdb"];
        using var process = Process.Start(new ProcessStartInfo("redis-cli", ["-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rdb", path])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return File.ReadAllBytes(path);
    }

    public void Dispose() => Temp.Dispose();
}
