using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;
using Lifeboat.Tests.Redis;
using static Lifeboat.Tests.Sqlite.SqliteTestDatabase;

namespace Lifeboat.Tests.Plan;

/// <summary>
/// After <c>--plan</c>, arguments are component names, also when a component is named like a kind (<c>redis</c>,
/// <c>sqlite</c>, <c>command</c>, as the examples name them): the plan's component runs, never the ad-hoc source backup.
/// </summary>
public sealed class PlanComponentNameTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env => new() { ["PLAN_PASSWORD"] = "component-name-password" };

    [Fact]
    public async Task Backup_plan_redis_backs_up_the_plans_redis_server_not_the_default_url()
    {
        // Not on 6379: the ad-hoc 'backup redis' would try 127.0.0.1:6379 and fail (or back up another server).
        await using var redis = await RedisTestServer.StartAsync();
        await using (var client = await redis.ConnectAsync())
        {
            await client.ExecuteAsync(["SET", "greeting", "from the plan's server"], default);
        }
        CreateSample(_temp["app.db"], 50);
        var plan = _temp["lifeboat.yaml"];
        File.WriteAllText(plan, $"""
            repositories:
              main: {"{"} location: ./repo, password-env: PLAN_PASSWORD {"}"}
            components:
              redis:
                kind: redis
                url: {redis.Url}
              sqlite:
                kind: sqlite
                file: ./app.db
              command:
                kind: command
                command: [echo, dump]
            """);
        Assert.Equal(0, (await CliRunner.RunAsync(Env, "plan", "init", "--plan", plan)).ExitCode);

        var one = await CliRunner.RunAsync(Env, "backup", "--plan", plan, "redis", "--json");
        var two = await CliRunner.RunAsync(Env, "backup", "--plan", plan, "sqlite", "command");
        var unknown = await CliRunner.RunAsync(Env, "backup", "--plan", plan, "postgres");

        Assert.True(one.ExitCode == 0, one.Stderr + one.Stdout);
        var run = Assert.Single(JsonDocument.Parse(one.Stdout).RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal("redis", run.GetProperty("component").GetString());
        Assert.Equal("success", run.GetProperty("outcome").GetString());
        Assert.True(two.ExitCode == 0, two.Stderr + two.Stdout);
        Assert.Contains("sqlite", two.Stdout, StringComparison.Ordinal);
        Assert.Contains("command", two.Stdout, StringComparison.Ordinal);
        // A name the plan lacks is a usage error naming it, not the ad-hoc 'backup postgres' asking for --connection.
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("postgres", unknown.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--connection", unknown.Stderr, StringComparison.Ordinal);

        var repo = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "component-name-password" };
        var snapshots = JsonDocument.Parse((await CliRunner.RunAsync(repo, "snapshots", "--json")).Stdout).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("snapshot")).ToList();
        Assert.Equal(["command", "redis", "sqlite"], snapshots.Select(s => s.GetProperty("component").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["command", "redis", "sqlite"], snapshots.Select(s => s.GetProperty("source").GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        // The restored RDB holds the key written to the plan's server.
        var scratch = await CliRunner.RunAsync(repo, "restore", "redis", "latest", "--component", "redis", "--scratch");
        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
    }

    [Fact]
    public async Task Without_plan_backup_redis_stays_the_ad_hoc_source_backup()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "backup", "redis", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--url", result.Stdout, StringComparison.Ordinal);
    }
}
