using System.Text.Json;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Plan;

/// <summary>
/// A schedule's <c>tags: { weekly: SUN, monthly: 1 }</c> (seed 003: "tagged as weekly / monthly in metadata"): the runs
/// by hand, by the daemon and caught up by the daemon carry them, and <c>lifeboat snapshots</c> shows them.
/// </summary>
public sealed class ScheduleTagsTests : IDisposable
{
    private const string Password = "schedule-tags-password";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private BackupPlan WritePlan(string weekly, string monthly)
    {
        TestData.Write(_temp["data/rendiff.db"], TestData.Text(10_000, 1));
        File.WriteAllText(_temp["lifeboat.yaml"], $$"""
            repositories:
              local: { location: ./repo, password-env: TAGS_PASSWORD }
            components:
              database:
                kind: files
                paths: [./data]
                tags: [rendiff]
                schedule: { cron: "0 2 * * *", timezone: UTC, tags: { weekly: {{weekly}}, monthly: {{monthly}} } }
                retention: { keep-daily: 30, keep-weekly: 12, keep-monthly: 12 }
            """);
        Environment.SetEnvironmentVariable("TAGS_PASSWORD", Password);
        return PlanLoader.Load(_temp["lifeboat.yaml"], ComponentKinds.CreateDefault());
    }

    private async Task<List<(DateTimeOffset Time, string[] Tags)>> SnapshotsAsync()
    {
        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password };
        var result = await CliRunner.RunAsync(env, "snapshots", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        return [.. JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("snapshot"))
            .Select(s => (s.GetProperty("time").GetDateTimeOffset(), s.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray()))
            .OrderBy(s => s.Item1)];
    }

    [Fact]
    public async Task Runs_on_a_Sunday_and_on_the_1st_are_tagged_weekly_and_monthly_by_hand_and_by_the_daemon_also_when_caught_up()
    {
        var plan = WritePlan("SUN", "1");
        await PlanInitializer.InitAsync(plan, CancellationToken.None);
        var kinds = ComponentKinds.CreateDefault();
        // Saturday 28 February, Sunday 1 March (both tiers), Monday 2 March: runs by hand, dated by their start.
        foreach (var day in new[] { 28, 1, 2 })
        {
            var clock = new ManualClock(new DateTimeOffset(2026, day == 28 ? 2 : 3, day, 2, 0, 5, TimeSpan.Zero));
            var report = await new PlanRunner(plan, kinds, clock).RunAsync(["database"], CancellationToken.None);
            Assert.True(report.Success, string.Join("; ", report.Runs.Select(r => r.Error)));
        }
        // The daemon's run for Sunday 8 March 02:00, caught up on Monday after downtime: dated by its scheduled time.
        var monday = new ManualClock(new DateTimeOffset(2026, 3, 9, 7, 0, 0, TimeSpan.Zero));
        var result = await new Lifeboat.Server.Plans.PlanComponentRunner(plan, kinds, monday)
            .RunAsync("database", new DateTimeOffset(2026, 3, 8, 2, 0, 0, TimeSpan.Zero), CancellationToken.None);
        Assert.NotNull(result.SnapshotId);

        var snapshots = await SnapshotsAsync();
        Assert.Equal(4, snapshots.Count);
        Assert.Equal(["rendiff"], snapshots[0].Tags);
        Assert.Equal(["rendiff", "weekly", "monthly"], snapshots[1].Tags);
        Assert.Equal(["rendiff"], snapshots[2].Tags);
        Assert.Equal(["rendiff", "weekly"], snapshots[3].Tags);
    }

    [Fact]
    public async Task Backup_plan_from_the_command_line_tags_todays_run()
    {
        var today = DateTimeOffset.UtcNow;
        var plan = WritePlan(today.DayOfWeek.ToString()[..3].ToUpperInvariant(), "last");
        await PlanInitializer.InitAsync(plan, CancellationToken.None);
        var env = new Dictionary<string, string?> { ["TAGS_PASSWORD"] = Password };

        var backup = await CliRunner.RunAsync(env, "backup", "--plan", _temp["lifeboat.yaml"]);
        var listed = await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password }, "snapshots");

        Assert.True(backup.ExitCode == 0, backup.Stderr + backup.Stdout);
        var tags = Assert.Single(await SnapshotsAsync()).Tags;
        Assert.Contains("weekly", tags);
        Assert.Equal(today.Day == DateTime.DaysInMonth(today.Year, today.Month), tags.Contains("monthly"));
        Assert.Contains("weekly", listed.Stdout, StringComparison.Ordinal);
    }
}
