using System.Text.Json;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Plan.Status;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Plan;

/// <summary><c>lifeboat status</c>: ages against RPO targets, last failures, and the exit code.</summary>
public sealed class StatusTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public StatusTests()
    {
        File.WriteAllText(_temp["password"], "status-test-password\n");
        TestData.Write(_temp["www/a.txt"], TestData.Text(30_000, 1));
        // Its own content, so that what 'daily' stores does not depend on which of the two ran first and deduplicated.
        TestData.Write(_temp["weekly/b.txt"], TestData.Text(20_000, 2));
        File.WriteAllText(_temp["lifeboat.yaml"], """
            repositories:
              main: { location: ./repo, password-file: ./password }
            components:
              daily:
                kind: files
                paths: [./www]
                rpo: 25h
                schedule: { cron: "0 2 * * *", timezone: Europe/Berlin }
              weekly:
                kind: files
                paths: [./weekly]
                rpo: 7d
              flaky:
                kind: command
                command: [sh, -c, "exit 7"]
                rpo: 1h
              untracked:
                kind: files
                paths: [./www]
            """);
    }

    public void Dispose() => _temp.Dispose();

    private BackupPlan Plan => PlanLoader.Load(_temp["lifeboat.yaml"], ComponentKinds.CreateDefault());

    [Fact]
    public async Task Status_reports_ages_against_RPO_targets_and_the_last_failure_with_exit_code_5_when_one_is_missed()
    {
        var plan = Plan;
        await PlanInitializer.InitAsync(plan, CancellationToken.None);
        // Backups made two days ago (a clock set back), then a failure of 'flaky' now.
        var twoDaysAgo = new ManualClock(DateTimeOffset.UtcNow.AddDays(-2));
        var old = await new PlanRunner(plan, ComponentKinds.CreateDefault(), twoDaysAgo).RunAsync(["daily", "weekly"], CancellationToken.None);
        Assert.True(old.Success, string.Join("; ", old.Runs.Select(r => r.Error)));
        await new PlanRunner(plan, ComponentKinds.CreateDefault(), TimeProvider.System).RunAsync(["flaky"], CancellationToken.None);

        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status", "--plan", _temp["lifeboat.yaml"], "--json");
        Assert.True(result.ExitCode == 5, result.Stderr + result.Stdout);
        var components = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("components").EnumerateArray()
            .ToDictionary(c => c.GetProperty("component").GetString()!);
        Assert.Equal("breached", components["daily"].GetProperty("state").GetString());
        Assert.InRange(components["daily"].GetProperty("ageSeconds").GetDouble(), 2 * 86400 - 5, 2 * 86400 + 120);
        Assert.Equal(25 * 3600, components["daily"].GetProperty("rpoSeconds").GetDouble());
        Assert.Equal(1, components["daily"].GetProperty("snapshots").GetInt32());
        Assert.True(components["daily"].GetProperty("storedBytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.String, components["daily"].GetProperty("nextRun").ValueKind);
        Assert.Equal("ok", components["weekly"].GetProperty("state").GetString());
        Assert.Equal("breached", components["flaky"].GetProperty("state").GetString());
        Assert.Equal(0, components["flaky"].GetProperty("snapshots").GetInt32());
        Assert.Equal(JsonValueKind.Null, components["flaky"].GetProperty("lastSuccess").ValueKind);
        var failure = components["flaky"].GetProperty("lastFailure");
        Assert.Equal("failed", failure.GetProperty("outcome").GetString());
        Assert.Contains("exited with code 7", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        // No target, no backup: nothing to miss.
        Assert.Equal("ok", components["untracked"].GetProperty("state").GetString());

        var text = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status", "--plan", _temp["lifeboat.yaml"]);
        Assert.Equal(5, text.ExitCode);
        Assert.Contains("RPO missed by: daily, flaky", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("exited with code 7", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_exits_0_once_every_target_is_met_again()
    {
        File.WriteAllText(_temp["lifeboat.yaml"], File.ReadAllText(_temp["lifeboat.yaml"]).Replace("\"exit 7\"", "\"echo dump\"", StringComparison.Ordinal));
        Assert.Equal(0, (await CliRunner.RunAsync(new Dictionary<string, string?>(), "plan", "init", "--plan", _temp["lifeboat.yaml"])).ExitCode);
        var before = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status", "--plan", _temp["lifeboat.yaml"]);
        Assert.Equal(5, before.ExitCode);
        Assert.Contains("never backed up", before.Stdout, StringComparison.Ordinal);
        var backup = await CliRunner.RunAsync(new Dictionary<string, string?>(), "backup", "--plan", _temp["lifeboat.yaml"]);
        Assert.True(backup.ExitCode == 0, backup.Stderr + backup.Stdout);
        var after = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status", "--plan", _temp["lifeboat.yaml"], "--json");
        Assert.True(after.ExitCode == 0, after.Stdout);
        Assert.True(JsonDocument.Parse(after.Stdout).RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task The_age_follows_the_clock_and_crosses_the_target_exactly_at_the_RPO()
    {
        var plan = Plan;
        await PlanInitializer.InitAsync(plan, CancellationToken.None);
        var start = new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        await new PlanRunner(plan, ComponentKinds.CreateDefault(), clock).RunAsync(["daily"], CancellationToken.None);
        async Task<ComponentStatus> DailyAsync() =>
            (await new PlanStatusReader(plan, clock).ReadAsync(new List<string>(), CancellationToken.None)).Single(s => s.Component == "daily");
        clock.Advance(TimeSpan.FromHours(25));
        var atTarget = await DailyAsync();
        Assert.Equal(TimeSpan.FromHours(25), atTarget.Age);
        Assert.True(atTarget.RpoMet);
        Assert.Equal(start, atTarget.LastSuccess);
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 1, 0, 0, TimeSpan.Zero), atTarget.NextRun);
        clock.Advance(TimeSpan.FromSeconds(1));
        var late = await DailyAsync();
        Assert.False(late.RpoMet);
        Assert.Equal("breached", late.State);
    }

    [Fact]
    public async Task An_unreadable_repository_makes_the_status_unknown_with_exit_code_1()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "status", "--plan", _temp["lifeboat.yaml"], "--json");
        Assert.Equal(1, result.ExitCode);
        var daily = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("components")[0];
        Assert.Equal("unknown", daily.GetProperty("state").GetString());
        Assert.Contains("lifeboat plan init", daily.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_whose_newest_run_failed_is_failed_with_exit_code_6_within_its_RPO_and_the_daemons_health_agrees()
    {
        File.WriteAllText(_temp["lifeboat.yaml"], """
            repositories:
              main: { location: ./repo, password-file: ./password }
            components:
              flaky:
                kind: command
                command: [sh, -c, "test -e ./broken && exit 7; echo dump"]
                schedule: "@daily"
                rpo: 25h
              weekly:
                kind: files
                paths: [./weekly]
                schedule: "@weekly"
                rpo: 7d
            """);
        var env = new Dictionary<string, string?>();
        async Task<(int Code, JsonElement Flaky, string Text)> StatusAsync()
        {
            var json = await CliRunner.RunAsync(env, "status", "--plan", _temp["lifeboat.yaml"], "--json");
            var text = await CliRunner.RunAsync(env, "status", "--plan", _temp["lifeboat.yaml"]);
            Assert.Equal(json.ExitCode, text.ExitCode);
            var flaky = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "flaky");
            return (json.ExitCode, flaky.Clone(), text.Stdout);
        }
        async Task<(string State, string Metrics)> DaemonAsync()
        {
            // What 'lifeboat serve' starts from: the repository's history, as /health and /metrics show it.
            var plan = Plan;
            var components = Lifeboat.Server.Plans.PlanScheduling.Components(plan);
            var histories = await Lifeboat.Server.Plans.PlanHistory.LoadAsync(plan, components, TextWriter.Null, CancellationToken.None);
            var metrics = new Lifeboat.Server.Metrics.BackupMetrics(components, histories, TimeProvider.System);
            var health = JsonSerializer.SerializeToElement(metrics.Describe()).EnumerateArray().Single(c => c.GetProperty("component").GetString() == "flaky");
            var text = new StringWriter();
            metrics.Write(new Lifeboat.Server.Metrics.PrometheusTextWriter(text));
            return (health.GetProperty("state").GetString()!, text.ToString());
        }
        Assert.Equal(0, (await CliRunner.RunAsync(env, "plan", "init", "--plan", _temp["lifeboat.yaml"])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(env, "backup", "--plan", _temp["lifeboat.yaml"])).ExitCode);
        Assert.Equal(0, (await StatusAsync()).Code);

        // The dump starts failing: the snapshot from a minute ago still meets the RPO, but backups stopped working.
        File.WriteAllText(_temp["broken"], "");
        Assert.Equal(1, (await CliRunner.RunAsync(env, "backup", "--plan", _temp["lifeboat.yaml"], "flaky")).ExitCode);
        var failed = await StatusAsync();
        Assert.Equal(6, failed.Code);
        Assert.Equal("failed", failed.Flaky.GetProperty("state").GetString());
        Assert.True(failed.Flaky.GetProperty("rpoMet").GetBoolean());
        Assert.True(failed.Flaky.GetProperty("lastRunFailed").GetBoolean());
        Assert.Contains("exited with code 7", failed.Flaky.GetProperty("lastFailure").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"flaky\s+failed", failed.Text);
        Assert.Contains("the newest run failed for: flaky", failed.Text, StringComparison.Ordinal);
        var daemon = await DaemonAsync();
        Assert.Equal("failed", daemon.State);
        Assert.Contains("lifeboat_backup_last_run_failed{component=\"flaky\"} 1", daemon.Metrics, StringComparison.Ordinal);
        Assert.Contains("lifeboat_backup_last_run_failed{component=\"weekly\"} 0", daemon.Metrics, StringComparison.Ordinal);

        // Fixed: the next run succeeds and everything is ok again.
        File.Delete(_temp["broken"]);
        Assert.Equal(0, (await CliRunner.RunAsync(env, "backup", "--plan", _temp["lifeboat.yaml"], "flaky")).ExitCode);
        var recovered = await StatusAsync();
        Assert.Equal(0, recovered.Code);
        Assert.Equal("ok", recovered.Flaky.GetProperty("state").GetString());
        Assert.Equal("ok", (await DaemonAsync()).State);
    }
}
