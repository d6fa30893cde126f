using System.Text.Json;
using Lifeboat.Runs;
using Lifeboat.Storage;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Plan;

/// <summary>Plan runs through the real CLI: dependency order, failures, hooks, retention, offsite copies and run records.</summary>
public sealed class PlanRunTests : IDisposable
{
    private const string Password = "plan-test-password";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env => new() { ["PLAN_PASSWORD"] = Password, ["OFFSITE_PASSWORD"] = "offsite-password" };

    private string WritePlan(string components, string repositories = "")
    {
        File.WriteAllText(_temp["lifeboat.yaml"], $"""
            repositories:
              main:
                location: ./repo
                password-env: PLAN_PASSWORD
            {repositories}
            components:
            {components}
            """);
        return _temp["lifeboat.yaml"];
    }

    private async Task<CliRunner.Result> RunAsync(params string[] args) => await CliRunner.RunAsync(Env, args);

    private static async Task<List<RunRecord>> RunRecordsAsync(string location, string password)
    {
        var repository = await Lifeboat.Repository.Repository.OpenAsync(new LocalBlobStore(location), password, CancellationToken.None);
        return await new RunLog(repository).LoadAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_plan_backs_up_files_and_a_command_in_dependency_order_and_both_restore_byte_exact()
    {
        TestData.Write(_temp["www/index.html"], TestData.Text(50_000, 1));
        TestData.Write(_temp["www/img/logo.bin"], TestData.Random(300_000, 2));
        TestData.Write(_temp["www/cache/page.html"], TestData.Text(1_000, 4));
        TestData.Write(_temp["app.sql"], TestData.Text(200_000, 3));
        var plan = WritePlan("""
              site:
                kind: files
                paths: [./www]
                excludes: [./www/cache]
                depends-on: [dump]
              dump:
                kind: command
                command: [cat, app.sql]
                stream: app.sql
            """);
        var init = await RunAsync("plan", "init", "--plan", plan);
        Assert.True(init.ExitCode == 0, init.Stderr);

        var backup = await RunAsync("backup", "--plan", plan, "--json");
        Assert.True(backup.ExitCode == 0, backup.Stderr + backup.Stdout);
        using var report = JsonDocument.Parse(backup.Stdout);
        var runs = report.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("component").GetString()!);
        Assert.Equal("success", runs["site"].GetProperty("outcome").GetString());
        Assert.Equal("success", runs["dump"].GetProperty("outcome").GetString());
        Assert.True(runs["site"].GetProperty("start").GetDateTimeOffset() >= runs["dump"].GetProperty("end").GetDateTimeOffset(),
            "the site backup started before the dump it depends on had finished");
        Assert.Equal(200_000, runs["dump"].GetProperty("bytesRead").GetInt64());

        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password };
        var restoreDump = await CliRunner.RunAsync(env, "restore", "command", "latest", "--component", "dump", "--stream", "app.sql", "--target", _temp["restored.sql"]);
        Assert.True(restoreDump.ExitCode == 0, restoreDump.Stderr);
        Assert.Equal(File.ReadAllBytes(_temp["app.sql"]), File.ReadAllBytes(_temp["restored.sql"]));
        var snapshots = await CliRunner.RunAsync(env, "snapshots", "--json");
        var siteId = JsonDocument.Parse(snapshots.Stdout).RootElement.EnumerateArray()
            .Single(s => s.GetProperty("snapshot").GetProperty("component").GetString() == "site").GetProperty("id").GetString()!;
        var restoreSite = await CliRunner.RunAsync(env, "restore", siteId, "--target", _temp["restored"]);
        Assert.True(restoreSite.ExitCode == 0, restoreSite.Stderr);
        Assert.False(Directory.Exists(_temp["restored"] + _temp["www/cache"]), "the excluded folder was backed up");
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_temp["www/img"], _temp["restored"] + _temp["www/img"]));
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_temp["www/index.html"], _temp["restored"] + _temp["www/index.html"]));

        var records = await RunRecordsAsync(_temp["repo"], Password);
        Assert.Equal(["dump", "site"], records.Select(r => r.Component).Order());
        Assert.All(records, r => Assert.Equal(RunRecord.Success, r.Outcome));
        Assert.Equal(runs["site"].GetProperty("snapshot").GetString(), records.Single(r => r.Component == "site").Snapshot);
    }

    [Fact]
    public async Task A_failing_component_skips_its_dependents_but_not_independent_ones_and_every_outcome_is_recorded()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(10_000, 1));
        var plan = WritePlan("""
              broken:
                kind: command
                command: [sh, -c, "echo partial; echo 'dump: connection refused' >&2; exit 3"]
              after-broken:
                kind: files
                paths: [./www]
                depends-on: [broken]
              independent:
                kind: files
                paths: [./www]
            """);
        Assert.Equal(0, (await RunAsync("plan", "init", "--plan", plan)).ExitCode);
        var backup = await RunAsync("backup", "--plan", plan);
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("2 of 3 components failed", backup.Stderr, StringComparison.Ordinal);

        var records = (await RunRecordsAsync(_temp["repo"], Password)).ToDictionary(r => r.Component);
        Assert.Equal(RunRecord.Failed, records["broken"].Outcome);
        Assert.Contains("exited with code 3", records["broken"].Error, StringComparison.Ordinal);
        Assert.Contains("connection refused", records["broken"].Error, StringComparison.Ordinal);
        Assert.Null(records["broken"].Snapshot);
        Assert.Equal(RunRecord.Skipped, records["after-broken"].Outcome);
        Assert.Contains("'broken'", records["after-broken"].Error, StringComparison.Ordinal);
        Assert.Equal(RunRecord.Success, records["independent"].Outcome);
        Assert.NotNull(records["independent"].Snapshot);

        // Only the independent component has a snapshot: nothing was committed for the failed one.
        var snapshots = await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password }, "snapshots", "--json");
        Assert.Equal(["independent"], JsonDocument.Parse(snapshots.Stdout).RootElement.EnumerateArray().Select(s => s.GetProperty("snapshot").GetProperty("component").GetString()));

        // Prune and check leave run records alone.
        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password };
        Assert.Equal(0, (await CliRunner.RunAsync(env, "prune")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(env, "check", "--read-data")).ExitCode);
        Assert.Equal(3, (await RunRecordsAsync(_temp["repo"], Password)).Count);
    }

    [Fact]
    public async Task Named_components_run_alone_and_unknown_names_are_usage_errors()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(10_000, 1));
        var plan = WritePlan("""
              one: { kind: files, paths: [./www] }
              two: { kind: files, paths: [./www], depends-on: [one] }
            """);
        Assert.Equal(0, (await RunAsync("plan", "init", "--plan", plan)).ExitCode);
        var only = await RunAsync("backup", "--plan", plan, "two", "--json");
        Assert.True(only.ExitCode == 0, only.Stderr);
        Assert.Equal(["two"], JsonDocument.Parse(only.Stdout).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("component").GetString()));
        var unknown = await RunAsync("backup", "--plan", plan, "three");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no component 'three'", unknown.Stderr, StringComparison.Ordinal);
        var mixed = await RunAsync("backup", "--plan", plan, "--tag", "x");
        Assert.Equal(2, mixed.ExitCode);
    }

    [Fact]
    public async Task Backup_without_paths_runs_the_plan_in_the_current_directory_or_says_what_to_do()
    {
        var none = await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"] }, "backup");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--plan FILE", none.Stderr, StringComparison.Ordinal);

        TestData.Write(_temp["www/a.txt"], TestData.Text(1_000, 1));
        var plan = WritePlan("  site: { kind: files, paths: [./www] }");
        Assert.Equal(0, (await RunAsync("plan", "init", "--plan", plan)).ExitCode);
        var env = Env;
        env["LIFEBOAT_PLAN"] = plan;
        var implicitRun = await CliRunner.RunAsync(env, "backup");
        Assert.True(implicitRun.ExitCode == 0, implicitRun.Stderr);
        Assert.Contains("site", implicitRun.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hooks_run_around_the_backup_and_a_failing_pre_hook_records_no_snapshot()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(1_000, 1));
        var plan = WritePlan("""
              hooked:
                kind: files
                paths: [./www]
                hooks:
                  pre-backup: "echo stopped > www/state"
                  post-backup: [sh, -c, "echo started >> hooks.log"]
              refused:
                kind: files
                paths: [./www]
                hooks:
                  pre-backup: [sh, -c, "echo 'service will not stop' >&2; exit 1"]
                  post-backup: [sh, -c, "echo never >> refused.log"]
            """);
        Assert.Equal(0, (await RunAsync("plan", "init", "--plan", plan)).ExitCode);
        var backup = await RunAsync("backup", "--plan", plan, "--parallel", "1");
        Assert.Equal(1, backup.ExitCode);
        Assert.Equal("started\n", File.ReadAllText(_temp["hooks.log"]));
        Assert.False(File.Exists(_temp["refused.log"]), "the post-backup hook ran although the pre-backup hook had failed");
        var records = (await RunRecordsAsync(_temp["repo"], Password)).ToDictionary(r => r.Component);
        Assert.Equal(RunRecord.Success, records["hooked"].Outcome);
        Assert.Equal(RunRecord.Failed, records["refused"].Outcome);
        Assert.Contains("pre-backup hook", records["refused"].Error, StringComparison.Ordinal);
        Assert.Contains("service will not stop", records["refused"].Error, StringComparison.Ordinal);
        Assert.Null(records["refused"].Snapshot);
        // The pre-backup hook ran before the files were read: its file is in the snapshot.
        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password };
        var restore = await CliRunner.RunAsync(env, "restore", records["hooked"].Snapshot!, "--target", _temp["restored"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal("stopped\n", File.ReadAllText(_temp["restored"] + _temp["www/state"]));
    }

    [Fact]
    public async Task Retention_runs_after_each_backup_and_snapshots_are_copied_offsite_with_their_run_records()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(20_000, 1));
        var plan = WritePlan("""
              site:
                kind: files
                repository: main
                paths: [./www]
                retention: { keep-last: 2 }
            """, """
              far:
                location: ./offsite
                password-env: OFFSITE_PASSWORD
            """);
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("    password-env: PLAN_PASSWORD", "    password-env: PLAN_PASSWORD\n    offsite: far", StringComparison.Ordinal));
        var init = await RunAsync("plan", "init", "--plan", plan);
        Assert.True(init.ExitCode == 0, init.Stderr);
        for (var i = 0; i < 3; i++)
        {
            TestData.Write(_temp[$"www/{i}.bin"], TestData.Random(50_000, i + 10));
            var backup = await RunAsync("backup", "--plan", plan, "--json");
            Assert.True(backup.ExitCode == 0, backup.Stderr + backup.Stdout);
            var run = JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("runs")[0];
            Assert.Equal(i < 2 ? 0 : 1, run.GetProperty("forgotten").GetInt32());
            Assert.Equal(1, run.GetProperty("copied").GetInt32());
        }
        async Task<int> CountAsync(string repo, string password) =>
            JsonDocument.Parse((await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp[repo], ["LIFEBOAT_PASSWORD"] = password }, "snapshots", "--json")).Stdout)
                .RootElement.GetArrayLength();
        Assert.Equal(2, await CountAsync("repo", Password));
        Assert.Equal(2, await CountAsync("offsite", "offsite-password"));
        Assert.Equal(3, (await RunRecordsAsync(_temp["repo"], Password)).Count);
        Assert.Equal(3, (await RunRecordsAsync(_temp["offsite"], "offsite-password")).Count);
        var restore = await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["offsite"], ["LIFEBOAT_PASSWORD"] = "offsite-password" },
            "restore", "latest", "--target", _temp["restored"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_temp["www"], _temp["restored"] + _temp["www"]));
    }

    [Fact]
    public async Task Plan_validate_through_the_CLI_prints_every_error_and_exits_2()
    {
        var plan = WritePlan("""
              site:
                kind: files
                paths: [./www]
                retension: { keep-last: 2 }
                schedule: "0 25 * * *"
            """);
        var result = await RunAsync("plan", "validate", "--plan", plan);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("lifeboat.yaml:10:5: unknown key 'retension' in component 'site' — did you mean 'retention'?", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("lifeboat.yaml:11:18: cron field 2 (hour) value 25 out of range 0-23", result.Stderr, StringComparison.Ordinal);
        var json = await RunAsync("plan", "validate", "--plan", plan, "--json");
        Assert.Equal(2, json.ExitCode);
        var errors = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("errors");
        Assert.Equal(2, errors.GetArrayLength());
        Assert.Equal(10, errors[0].GetProperty("line").GetInt32());
        Assert.Equal(5, errors[0].GetProperty("column").GetInt32());
        var backup = await RunAsync("backup", "--plan", plan);
        Assert.Equal(2, backup.ExitCode);
        Assert.False(Directory.Exists(_temp["repo"]));
    }

    [Fact]
    public async Task A_flipped_bit_in_a_run_record_is_found_by_check_and_status_skips_only_that_record()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(5_000, 1));
        var plan = WritePlan("""
              one: { kind: files, paths: [./www], rpo: 1h }
              two: { kind: files, paths: [./www], rpo: 1h }
            """);
        Assert.Equal(0, (await RunAsync("plan", "init", "--plan", plan)).ExitCode);
        Assert.Equal(0, (await RunAsync("backup", "--plan", plan)).ExitCode);
        var record = Directory.GetFiles(_temp["repo/runs"]).Order(StringComparer.Ordinal).First();
        var bytes = File.ReadAllBytes(record);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(record, bytes);

        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = Password };
        var check = await CliRunner.RunAsync(env, "check");
        Assert.Equal(Lifeboat.Cli.ExitCodes.Damaged, check.ExitCode);
        Assert.Contains($"run record runs/{Path.GetFileName(record)}", check.Stdout + check.Stderr, StringComparison.Ordinal);

        // Not "ok": the lost record may have been the component's last failure.
        var status = await RunAsync("status", "--plan", plan, "--json");
        Assert.True(status.ExitCode == Lifeboat.Cli.ExitCodes.Damaged, status.Stdout + status.Stderr);
        Assert.Contains("skipped damaged data", status.Stderr, StringComparison.Ordinal);
        Assert.Single(await RunRecordsAsync(_temp["repo"], Password));
    }
}
