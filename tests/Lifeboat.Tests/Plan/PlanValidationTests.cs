using Lifeboat.Plan;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Plan;

/// <summary>Plan validation: every mistake is reported at its exact line and column, with a hint.</summary>
public sealed class PlanValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private (BackupPlan? Plan, IReadOnlyList<PlanError> Errors) Parse(string text) =>
        PlanLoader.Parse(text, _temp["lifeboat.yaml"], ComponentKinds.CreateDefault());

    private static string At(PlanError e) => $"{e.Mark.Line}:{e.Mark.Column}";

    private const string Repositories = """
        repositories:
          main:
            location: ./repo
            password-env: LB_PASSWORD

        """;

    [Fact]
    public void A_correct_plan_loads_with_every_setting()
    {
        var (plan, errors) = Parse("""
            version: 1
            host: web-1
            repositories:
              main:
                location: ./repo
                password-file: ./secret
                offsite: far
              far:
                location: s3:http://127.0.0.1:9000/bucket/prefix
                password-env: FAR_PASSWORD
            components:
              db:
                kind: command
                repository: main
                command: [pg_dump, app]
                stream: app.sql
                schedule: { cron: "0 2 * * *", timezone: Europe/Berlin }
                retention: { keep-daily: 30, keep-weekly: 12, keep-monthly: 12, keep-within: 2w, keep-tag: [keep] }
                rpo: 25h
                rto: 15m
                hooks:
                  pre-backup: [systemctl, stop, app]
                  post-backup: systemctl start app
                verify:
                  queries: [{ query: "SELECT count(*) FROM users", expect: "42" }]
                  files: [app.sql]
                tags: [nightly]
              site:
                kind: files
                repository: main
                paths: [./www, /etc/nginx]
                excludes: ["*.log"]
                depends-on: db
                schedule: "@hourly"
            """);
        Assert.Empty(errors);
        Assert.NotNull(plan);
        Assert.Equal("web-1", plan.Host);
        Assert.Equal("far", plan.Repositories["main"].Offsite);
        Assert.Equal(_temp["secret"], plan.Repositories["main"].PasswordFile);
        Assert.Equal(_temp["repo"], plan.Repositories["main"].Location);
        var db = plan.Component("db");
        Assert.Equal(TimeSpan.FromHours(25), db.Rpo);
        Assert.Equal(TimeSpan.FromMinutes(15), db.Rto);
        Assert.Equal("Europe/Berlin", db.Schedule!.TimeZone.Id);
        Assert.Equal(30, db.Retention!.Daily);
        Assert.Equal(12, db.Retention.Monthly);
        Assert.Equal(14, db.Retention.Within!.Value.Days);
        Assert.Equal("Europe/Berlin", db.Retention.TimeZone.Id);
        Assert.Equal(["systemctl", "stop", "app"], db.Hooks.PreBackup!.Arguments);
        Assert.Equal(["/bin/sh", "-c", "systemctl start app"], db.Hooks.PostBackup!.Arguments);
        Assert.Equal(new VerifyQuery("SELECT count(*) FROM users", "42"), db.Verify.Queries.Single());
        Assert.Equal(["db"], plan.Component("site").DependsOn);
        Assert.Equal("0 * * * *", "0 * * * *");
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            plan.Component("site").Schedule!.Next(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Every_mistake_is_reported_at_its_line_and_column_with_a_hint()
    {
        var (plan, errors) = Parse("""
            version: 1
            repositories:
              main:
                location: ./repo
                password: hunter2
              offsite:
                location: s3:http://127.0.0.1:9000/bucket
                password-env: OFFSITE_PW
                offsite: mian
            components:
              db:
                kind: command
                command: [pg_dump, app]
                retension: { keep-daily: 7 }
                schedule: { cron: "0 2 32 * *", timezone: Europe/Berlinn }
                repository: main
                depends-on: [web]
              web:
                kind: files
                paths: [./www]
                repository: mian
                depends-on: [db]
                rpo: 25x
              cache:
                kind: redis
                repository: main
              blob:
                kind: fils
                repository: main
            """);
        Assert.Null(plan);
        var found = errors.Select(e => (At(e), e.ToString())).ToList();
        void Has(string at, string text) => Assert.Contains(found, f => f.Item1 == at && f.Item2.Contains(text, StringComparison.Ordinal));
        Has("5:5", "'password:' writes a secret into the plan");
        Has("9:14", "offsite repository 'mian' is not defined — did you mean 'main'?");
        Has("14:5", "unknown key 'retension' in component 'db' — did you mean 'retention'?");
        Has("15:28", "cron field 3 (day of month) value 32 out of range 1-31");
        Has("15:47", "unknown time zone 'Europe/Berlinn'");
        Has("17:18", "dependency cycle: db → web → db");
        Has("21:17", "unknown repository 'mian' — did you mean 'main'?");
        Has("23:10", "rpo '25x' is not a duration");
        Has("24:3", "kind 'redis' of component 'cache' is not available in this build");
        Has("28:11", "unknown kind 'fils' for component 'blob' — did you mean 'files'?");
        Assert.Equal(10, errors.Count);
    }

    [Fact]
    public void Kind_settings_are_checked_by_the_kind()
    {
        var (_, errors) = Parse(Repositories + """
            components:
              site:
                kind: files
                path: [./www]
              job:
                kind: command
                stream: [a, b]
              dsn:
                kind: command
                command: [psql, "postgres://app:secret@db/app"]
            """);
        var found = errors.Select(e => $"{At(e)} {e}").ToList();
        Assert.Contains(found, f => f.StartsWith("6:3 component 'site' (kind files) needs 'paths:'", StringComparison.Ordinal));
        Assert.Contains(found, f => f.StartsWith("8:5 unknown key 'path' in component 'site' (kind files) — did you mean 'paths'?", StringComparison.Ordinal));
        Assert.Contains(found, f => f.StartsWith("9:3 component 'job' (kind command) needs 'command:'", StringComparison.Ordinal));
        Assert.Contains(found, f => f.StartsWith("11:13 'stream' of component 'job' must be a single text", StringComparison.Ordinal));
        Assert.Contains(found, f => f.StartsWith("14:14 'command' of component 'dsn' holds a password in a URL", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Cron_errors_point_at_the_field_inside_plain_and_quoted_values()
    {
        var (_, errors) = Parse(Repositories + """
            components:
              a:
                kind: files
                paths: [x]
                schedule: 0 2 * 13 *
              b:
                kind: files
                paths: [x]
                schedule: '61 2 * * *'
              c:
                kind: files
                paths: [x]
                schedule: "0 2 * *"
            """);
        var found = errors.Select(e => $"{At(e)} {e.Message}").ToList();
        Assert.Equal(3, found.Count);
        Assert.Equal("9:21 cron field 4 (month) value 13 out of range 1-12", found[0]);
        Assert.Equal("13:16 cron field 1 (minute) value 61 out of range 0-59", found[1]);
        Assert.StartsWith("17:15 a cron expression has 5 fields", found[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Repositories_need_a_location_and_exactly_one_password_source()
    {
        var (_, errors) = Parse("""
            repositories:
              a:
                password-env: X
              b:
                location: ./b
              c:
                location: ./c
                password-env: X
                password-file: ./x
              d:
                location: "s3:http://key:secret@127.0.0.1:9000/bucket"
                password-env: X
            components:
              x: { kind: files, paths: [x], repository: c }
            """);
        var found = errors.Select(e => $"{At(e)} {e.Message}").ToList();
        Assert.Contains("2:3 repository 'a' needs 'location:'", found);
        Assert.Contains("4:3 repository 'b' needs exactly one of 'password-env:' and 'password-file:'", found);
        Assert.Contains("6:3 repository 'c' needs exactly one of 'password-env:' and 'password-file:'", found);
        Assert.Contains("11:15 the location holds a password", found);
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Several_repositories_make_the_component_name_one()
    {
        var (_, errors) = Parse("""
            repositories:
              a: { location: ./a, password-env: X }
              b: { location: ./b, password-env: X }
            components:
              x: { kind: files, paths: [x] }
            """);
        Assert.Equal("5:3 component 'x' needs 'repository:' because the plan has several", $"{At(errors.Single())} {errors.Single().Message}");
    }

    [Fact]
    public void Dependencies_on_unknown_components_and_on_themselves_are_reported()
    {
        var (_, errors) = Parse(Repositories + """
            components:
              a: { kind: files, paths: [x], depends-on: [a, bb] }
              b: { kind: files, paths: [x], depends-on: c }
              c: { kind: files, paths: [x], depends-on: [d] }
              d: { kind: files, paths: [x], depends-on: [b] }
            """);
        var found = errors.Select(e => $"{At(e)} {e}").ToList();
        Assert.Contains("6:46 component 'a' depends on itself — remove it from depends-on", found);
        Assert.Contains("6:49 component 'a' depends on unknown component 'bb' — did you mean 'b'?", found);
        Assert.Contains(found, f => f.StartsWith("7:45 dependency cycle: b → c → d → b", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Broken_yaml_is_reported_at_its_position()
    {
        var (_, unterminated) = Parse("a: [1\nb: 2\n");
        Assert.Single(unterminated);
        Assert.Equal("1:4 not valid YAML: a '[' or '{' opened here is never closed", $"{At(unterminated[0])} {unterminated[0].Message}");
        var (_, duplicate) = Parse(Repositories + "components:\n  a: { kind: files, paths: [x] }\n  a: { kind: files, paths: [y] }\n");
        Assert.Equal("7:3 not valid YAML: Duplicate key a", $"{At(duplicate.Single())} {duplicate.Single().Message}");
        var (_, tabs) = Parse("repositories:\n\tmain: {}\n");
        Assert.StartsWith("not valid YAML", tabs.Single().Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("just a string")]
    [InlineData("- a\n- b\n")]
    [InlineData("repositories: 5\ncomponents: [1, 2]\n")]
    [InlineData("repositories:\n  m: {location: [a], password-env: {x: 1}}\ncomponents:\n  c: {kind: [files], rpo: {a: 1}, retention: [1], hooks: 7, verify: {queries: [5]}}\n")]
    public void Hostile_shapes_give_errors_never_a_crash(string text)
    {
        var (plan, errors) = Parse(text);
        Assert.Null(plan);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.True(e.Mark.Line >= 1 && e.Mark.Column >= 1));
    }

    [Theory]
    [InlineData("25h", 25 * 60)]
    [InlineData("15m", 15)]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("1h30m", 90)]
    [InlineData("2w", 14 * 24 * 60)]
    public void Durations_parse(string text, int minutes)
    {
        Assert.True(PlanDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMinutes(minutes), duration);
        Assert.True(PlanDuration.TryParse(PlanDuration.Format(duration), out var again));
        Assert.Equal(duration, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0h")]
    [InlineData("25")]
    [InlineData("h")]
    [InlineData("1m1h")]
    [InlineData("-5m")]
    public void Bad_durations_are_refused(string text) => Assert.False(PlanDuration.TryParse(text, out _));

    [Fact]
    public void A_literal_secret_in_component_settings_is_refused()
    {
        var (_, errors) = Parse(Repositories + """
            components:
              db: { kind: command, command: [x], password: hunter2, token: abc }
            """);
        Assert.Equal(["6:38 'password:' writes a secret into the plan, which is refused", "6:57 'token:' writes a secret into the plan, which is refused"],
            errors.Select(e => $"{At(e)} {e.Message}"));
    }

    [Fact]
    public void A_kind_registered_with_one_line_is_validated_by_its_factory_and_reads_secrets_only_when_it_runs()
    {
        string? password = null;
        var kinds = ComponentKinds.CreateDefault().AddSource("thing", s =>
        {
            var url = new Uri(s.Text("url"));
            password = s.OptionalSecretValue("password");
            return new Lifeboat.Sources.CommandSource(["echo", url.Host], "out");
        });
        var text = Repositories + """
            components:
              good: { kind: thing, url: "http://example.org", password-env: LIFEBOAT_TEST_UNSET_VARIABLE }
              bad: { kind: thing, url: "not a url" }
            """;
        var (_, errors) = PlanLoader.Parse(text, _temp["lifeboat.yaml"], kinds);
        Assert.Equal("7:3 component 'bad' (kind thing): Invalid URI: The format of the URI could not be determined.", $"{At(errors.Single())} {errors.Single().Message}");
        Assert.Equal("(not read while validating)", password);

        var (plan, none) = PlanLoader.Parse(text.Replace("  bad: { kind: thing, url: \"not a url\" }", "", StringComparison.Ordinal), _temp["lifeboat.yaml"], kinds);
        Assert.Empty(none);
        var e = Assert.Throws<InvalidOperationException>(() => kinds.CreateRunner(plan!.Component("good")));
        Assert.Contains("LIFEBOAT_TEST_UNSET_VARIABLE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_tags_are_read_and_each_mistake_is_reported_at_its_value()
    {
        var (plan, errors) = Parse(Repositories + """
            components:
              db:
                kind: command
                command: [echo, dump]
                schedule: { cron: "0 2 * * *", timezone: Europe/Berlin, tags: { weekly: SUN, monthly: last } }
            """);
        Assert.Empty(errors);
        var schedule = plan!.Components[0].Schedule!;
        Assert.Equal(new ScheduleTags(DayOfWeek.Sunday, ScheduleTags.LastDay), schedule.Tags);
        // 2026-02-28 22:30 UTC is Saturday 23:30 in Berlin, the last day of February; an hour later it is Sunday, 1 March.
        Assert.Equal(["monthly"], schedule.TagsAt(new DateTimeOffset(2026, 2, 28, 22, 30, 0, TimeSpan.Zero)));
        Assert.Equal(["weekly"], schedule.TagsAt(new DateTimeOffset(2026, 2, 28, 23, 30, 0, TimeSpan.Zero)));

        (_, errors) = Parse(Repositories + """
            components:
              a:
                kind: command
                command: [echo, dump]
                schedule: { cron: "0 2 * * MON-FRI", tags: { weekly: sunday } }
              b:
                kind: command
                command: [echo, dump]
                schedule: { cron: "0 2 * * *", tags: { weekly: funday, monthly: 31, yearly: 1 } }
              c:
                kind: command
                command: [echo, dump]
                schedule: { cron: "0 2 1 * *", tags: { monthly: 15 } }
            """);
        Assert.Equal(["9:58", "13:52", "13:69", "13:73", "17:53"], errors.Select(At));
        Assert.Contains("never runs on a Sunday", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'funday' is not a day of the week", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("'31' is not a day every month has", errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'yearly'", errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("never runs on day 15", errors[4].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" ", "[", "]", 5)]
    [InlineData(" ", "{a: ", "}", 5)]
    [InlineData("\n  ", "- ", "", 6)]
    public void Yaml_nested_100000_deep_is_refused_at_once_with_the_line_where_it_gets_too_deep(string after, string open, string close, int line)
    {
        const int depth = 100_000;
        var text = Repositories + "components:" + after + string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth)) + "\n";
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var (plan, errors) = Parse(text);
        stopwatch.Stop();
        Assert.Null(plan);
        var error = Assert.Single(errors);
        Assert.Contains($"more than {PlanLoader.MaxNesting} levels deep", error.Message, StringComparison.Ordinal);
        Assert.Equal(line, error.Mark.Line);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Every_command_that_reads_a_plan_refuses_a_deeply_nested_one_with_exit_code_2_instead_of_crashing()
    {
        File.WriteAllText(_temp["lifeboat.yaml"], Repositories + "components: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        foreach (var command in new[] { new[] { "plan", "validate" }, ["status"], ["backup"], ["serve"], ["alerts", "render"] })
        {
            var result = await Lifeboat.Tests.Cli.CliRunner.RunAsync(new Dictionary<string, string?>(), [.. command, "--plan", _temp["lifeboat.yaml"]]);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', command)}: exit {result.ExitCode}: {result.Stderr[..Math.Min(500, result.Stderr.Length)]}");
            Assert.Contains("lifeboat.yaml:5:", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("levels deep", result.Stderr, StringComparison.Ordinal);
        }
    }
}
