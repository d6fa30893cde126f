using Lifeboat.Server.Alerts;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Tests.Server;

public sealed class AlertsRenderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static YamlMappingNode Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static List<YamlMappingNode> Rules(YamlMappingNode root, string group) =>
        ((YamlSequenceNode)((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>().Single(g => g["name"].ToString() == group)["rules"]).Cast<YamlMappingNode>().ToList();

    [Fact]
    public async Task Alerts_render_writes_rules_for_each_scheduled_component_that_parse_as_yaml_with_the_expected_groups()
    {
        var plan = _directory["lifeboat.yaml"];
        await File.WriteAllTextAsync(plan, $"""
            version: 1
            repositories:
              main:
                location: {_directory["repo"]}
                password-env: ALERTS_TEST_PASSWORD
            components:
              orders-db:
                kind: command
                repository: main
                command: ["pg_dump", "orders"]
                schedule:
                  cron: "0 2 * * *"
                  timezone: Europe/Berlin
                rpo: 25h
              uploads:
                kind: files
                repository: main
                paths: ["{_directory.Path}"]
                schedule:
                  cron: "0 * * * *"
              by-hand:
                kind: command
                repository: main
                command: ["true"]
            """);
        var output = _directory["rules.yml"];
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "alerts", "render", "--plan", plan, "--out", output);
        Assert.True(result.ExitCode == 0, result.Stderr);

        var root = Root(await File.ReadAllTextAsync(output));
        var groups = ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>().Select(g => g["name"].ToString()).ToList();
        Assert.Equal(["lifeboat-rpo", "lifeboat-failures", "lifeboat-size", "lifeboat-startup", "lifeboat-wal", "lifeboat-daemon"], groups);

        // Only components with an RPO get the age rule; the unscheduled one gets none.
        var rpo = Assert.Single(Rules(root, "lifeboat-rpo"));
        Assert.Equal("LifeboatBackupTooOld", rpo["alert"].ToString());
        Assert.Equal("lifeboat_backup_age_seconds{component=\"orders-db\"} > lifeboat_rpo_target_seconds{component=\"orders-db\"}", rpo["expr"].ToString());
        Assert.Equal("orders-db", ((YamlMappingNode)rpo["labels"])["component"].ToString());
        Assert.Equal("critical", ((YamlMappingNode)rpo["labels"])["severity"].ToString());
        Assert.Contains("25h", ((YamlMappingNode)rpo["annotations"])["summary"].ToString());

        var failures = Rules(root, "lifeboat-failures");
        Assert.Equal(["orders-db", "uploads"], failures.Select(r => ((YamlMappingNode)r["labels"])["component"].ToString()));
        Assert.Equal("increase(lifeboat_backup_failure_total{component=\"uploads\"}[1h]) > 0 or lifeboat_backup_last_run_failed{component=\"uploads\"} == 1", failures[1]["expr"].ToString());

        var size = Rules(root, "lifeboat-size");
        Assert.Equal("abs(lifeboat_backup_size_bytes{component=\"orders-db\"} - lifeboat_backup_size_median_bytes{component=\"orders-db\"}) > 0.5 * lifeboat_backup_size_median_bytes{component=\"orders-db\"} and lifeboat_backup_size_median_bytes{component=\"orders-db\"} > 0",
            size[0]["expr"].ToString());

        var startup = Rules(root, "lifeboat-startup");
        Assert.Equal("lifeboat_backup_success_total{component=\"orders-db\"} == 0 and on(instance, job) (time() - lifeboat_start_time_seconds) > 90000", startup[0]["expr"].ToString());
        Assert.EndsWith("> 90000", startup[1]["expr"].ToString());
        Assert.Equal("absent(lifeboat_start_time_seconds)", Assert.Single(Rules(root, "lifeboat-daemon"))["expr"].ToString());
        Assert.Empty(Rules(root, "lifeboat-wal"));
    }

    [Fact]
    public async Task The_commands_the_rpo_alert_tells_the_operator_to_run_back_up_the_component_and_then_report_it_in_time()
    {
        var plan = _directory["lifeboat.yaml"];
        await File.WriteAllTextAsync(plan, $"""
            version: 1
            repositories:
              main:
                location: {_directory["repo"]}
                password-env: ALERTS_TEST_PASSWORD
            components:
              orders-db:
                kind: command
                repository: main
                command: ["echo", "orders"]
                schedule:
                  cron: "0 2 * * *"
                rpo: 25h
            """);
        var environment = new Dictionary<string, string?> { ["ALERTS_TEST_PASSWORD"] = "alerts-test" };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "plan", "init", "--plan", plan)).ExitCode);
        var rendered = await CliRunner.RunAsync(environment, "alerts", "render", "--plan", plan);
        Assert.True(rendered.ExitCode == 0, rendered.Stderr);

        // What the operator paged by the alert copies: every 'lifeboat ...' command of its description, in order.
        var description = ((YamlMappingNode)Assert.Single(Rules(Root(rendered.Stdout), "lifeboat-rpo"))["annotations"])["description"].ToString();
        var commands = System.Text.RegularExpressions.Regex.Matches(description, "'lifeboat ([^']+)'").Select(m => m.Groups[1].Value.Split(' ')).ToList();
        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            var result = await CliRunner.RunAsync(environment, command);
            Assert.True(result.ExitCode == 0, $"lifeboat {string.Join(' ', command)} exited {result.ExitCode}: {result.Stderr}");
        }
        Assert.Single(Directory.GetFiles(_directory["repo/snapshots"]));
    }

    [Fact]
    public async Task Alerts_render_on_an_invalid_plan_reports_the_error_with_its_line_and_writes_nothing()
    {
        var plan = _directory["lifeboat.yaml"];
        await File.WriteAllTextAsync(plan, "version: 1\nrepositories:\n  main:\n    location: /tmp/x\n    password-env: X\ncomponents:\n  db:\n    kind: command\n    repository: nowhere\n    command: [\"true\"]\n");
        var output = _directory["rules.yml"];
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "alerts", "render", "--plan", plan, "--out", output);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("lifeboat.yaml:9:", result.Stderr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_directory.Path, "rules.yml*"));
    }

    [Fact]
    public void Label_values_are_escaped_inside_the_promql_selectors_and_the_yaml_stays_valid()
    {
        var yaml = AlertRulesRenderer.Render([("we\"ird\\name", TimeSpan.FromMinutes(90))], [("we\"ird\\name", TimeSpan.FromMinutes(90))], new AlertRuleOptions(), "plan.yaml");
        var rule = Rules(Root(yaml), "lifeboat-rpo").Single();
        Assert.Equal("lifeboat_backup_age_seconds{component=\"we\\\"ird\\\\name\"} > lifeboat_rpo_target_seconds{component=\"we\\\"ird\\\\name\"}", rule["expr"].ToString());
        Assert.Equal("we\"ird\\name", ((YamlMappingNode)rule["labels"])["component"].ToString());
        Assert.Contains("90m", ((YamlMappingNode)rule["annotations"])["summary"].ToString());
    }
}
