using System.Text.RegularExpressions;
using Lifeboat.Plan;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;
using Lifeboat.Tests.Postgres;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Tests.Plan;

/// <summary>
/// Every verification query of every example plan passes against a real restore of data shaped like the seed system's
/// (a query that can never pass on a good restore would make every drill of that plan fail, and leave its restore behind).
/// </summary>
public sealed partial class ExamplePlanVerifyTests
{
    // The tables the examples' queries read, as the seed systems define them, with a few healthy rows.
    private static readonly Dictionary<string, string> Fixtures = new(StringComparer.Ordinal)
    {
        ["projects"] = "CREATE TABLE projects (id int PRIMARY KEY, name text NOT NULL); INSERT INTO projects VALUES (1, 'tower'), (2, 'bridge');",
        ["jobs"] = "CREATE TABLE jobs (id bigint PRIMARY KEY, status text NOT NULL, done boolean); INSERT INTO jobs VALUES (1, 'done', true), (2, 'queued', false);",
        ["schema_migrations"] = "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (20240101120000, false);",
        ["notes"] = "CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL); INSERT INTO notes (body) VALUES ('one'), ('two'), ('three');",
    };

    public static TheoryData<string, string> Components()
    {
        var data = new TheoryData<string, string>();
        foreach (var (example, plan) in Plans())
        {
            foreach (var component in plan.Components.Where(c => c.Verify.Queries.Count > 0))
            {
                data.Add(example, component.Name);
            }
        }
        return data;
    }

    [Fact]
    public void The_examples_verify_postgres_and_sqlite_components() =>
        Assert.Equal(["optimal-build/postgres", "quickstart/app-db", "rendiff/database", "syncwatch/postgres", "transcode/postgres"],
            Components().Select(row => $"{row[0]}/{row[1]}").Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Components))]
    public async Task The_example_components_verify_queries_pass_on_a_real_restore(string example, string name)
    {
        var component = Plans().Single(p => p.Example == example).Plan.Component(name);
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp["password"], "examples\n");
        var environment = new Dictionary<string, string?>
        {
            ["LIFEBOAT_REPOSITORY"] = temp["repo"], ["LIFEBOAT_PASSWORD_FILE"] = temp["password"], ["PGPASSWORD"] = PostgresServer.Password,
        };
        await CheckAsync(CliRunner.RunAsync(environment, "init"));
        var fixture = string.Concat(component.Verify.Queries.SelectMany(q => TableNames().Matches(q.Query)).Select(m => m.Groups[1].Value).Distinct()
            .Select(t => Fixtures.TryGetValue(t, out var sql) ? sql : throw new InvalidOperationException($"no fixture for table {t} of {example}/{name}: add one")));
        switch (component.Kind)
        {
            case "postgres":
                await using (var server = await PostgresServer.StartAsync())
                {
                    await server.PsqlAsync("CREATE DATABASE seed");
                    await server.PsqlAsync(fixture, "seed");
                    await CheckAsync(CliRunner.RunAsync(environment, "backup", "postgres", "--connection", server.Url("seed")));
                    var restored = await CliRunner.RunAsync(environment,
                        ["restore", "postgres", "latest", "--connection", server.Url("seed"), .. component.Verify.Queries.SelectMany(q => new[] { "--verify", $"{q.Query}={q.Expect}" })]);
                    Assert.True(restored.ExitCode == 0, $"{example}/{name}: {restored.Stderr}");
                }
                break;
            case "sqlite":
                var file = temp["seed.db"];
                await using (var db = new SqliteConnection($"Data Source={file}"))
                {
                    await db.OpenAsync();
                    await using var create = db.CreateCommand();
                    create.CommandText = fixture.Length > 0 ? fixture : "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1);";
                    await create.ExecuteNonQueryAsync();
                }
                SqliteConnection.ClearAllPools();
                await CheckAsync(CliRunner.RunAsync(environment, "backup", "sqlite", file));
                Directory.CreateDirectory(temp["scratch"]);
                var verified = await CliRunner.RunAsync(environment,
                    ["restore", "sqlite", "latest", "--scratch", temp["scratch"], .. component.Verify.Queries.SelectMany(q => new[] { "--verify-query", $"{q.Query}={q.Expect}" })]);
                Assert.True(verified.ExitCode == 0, $"{example}/{name}: {verified.Stderr}");
                break;
            default:
                Assert.Fail($"{example}/{name}: verification queries of kind {component.Kind} are not tested yet");
                break;
        }
    }

    private static IEnumerable<(string Example, BackupPlan Plan)> Plans()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Lifeboat.slnx")))
        {
            directory = directory.Parent;
        }
        var examples = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("the source tree (Lifeboat.slnx) was not found"), "examples");
        foreach (var folder in Directory.GetDirectories(examples).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(folder, PlanLoader.DefaultFileName);
            var (plan, errors) = PlanLoader.Parse(File.ReadAllText(file), file, Lifeboat.Cli.PlanKinds.Create());
            yield return (Path.GetFileName(folder), plan ?? throw new InvalidOperationException($"{file}: {string.Join("; ", errors)}"));
        }
    }

    private static async Task CheckAsync(Task<CliRunner.Result> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, $"lifeboat exited {result.ExitCode}: {result.Stderr}");
    }

    [GeneratedRegex(@"\bFROM\s+([a-z_]+)", RegexOptions.IgnoreCase)]
    private static partial Regex TableNames();
}
