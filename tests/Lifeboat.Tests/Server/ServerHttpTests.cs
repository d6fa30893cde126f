using System.Net;
using System.Text.Json;
using Lifeboat.Server.Health;
using Lifeboat.Plan;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Plans;
using Lifeboat.Server.Scheduling;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Server;

public sealed class ServerHttpTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 27, 0, 30, 0, TimeSpan.Zero);
    private const string Odd = "odd \"quoted\" \\ name\nline";

    private static ServerOptions Options(params Uri[] webhooks) => new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        ShutdownGrace = TimeSpan.FromMinutes(1),
        RpoCheckInterval = TimeSpan.FromDays(1),
        Webhooks = webhooks,
        WebhookInitialDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task A_scrape_of_metrics_after_runs_parses_as_prometheus_text_with_the_expected_values()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock)
        {
            Duration = TimeSpan.FromMinutes(2),
            Fails = n => n == 2,
            ResultOf = n => new RunResult(BytesRead: 100 * n, BytesStored: 10 * n, Size: 1000 * n, Snapshots: n, SnapshotId: null),
        };
        var components = new List<ScheduledComponent>
        {
            SchedulerTests.Hourly(),
            new(Odd, new IntervalSchedule(Start.AddMinutes(30), TimeSpan.FromHours(1)), CatchUpPolicy.Once, new RetryPolicy { MaxAttempts = 1 }, null),
        };
        var server = new LifeboatServer(Options(), components, runner, new Dictionary<string, ComponentHistory>(), [], clock, TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = server.RunAsync(stop.Token);
        try
        {
            // Two component loops and the RPO check wait on the clock when all is quiet.
            await clock.RunUntilAsync(Start.AddHours(4), waiters: 3);
            using var http = new HttpClient();
            using var response = await http.GetAsync(new Uri(await server.Address, "/metrics"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

            var db = ("component", "db");
            // db ran at 01:00 (ok), 02:00 (failed), 03:00 and 04:00 (ok), two minutes each.
            Assert.Equal("counter", metrics.Types["lifeboat_backup_success_total"]);
            Assert.Equal(3, metrics.Value("lifeboat_backup_success_total", db));
            Assert.Equal(1, metrics.Value("lifeboat_backup_failure_total", db));
            Assert.Equal(Start.AddHours(3).AddMinutes(32).ToUnixTimeSeconds(), metrics.Value("lifeboat_backup_last_success_timestamp_seconds", db));
            Assert.Equal(28 * 60, metrics.Value("lifeboat_backup_age_seconds", db));
            Assert.Equal(7200, metrics.Value("lifeboat_rpo_target_seconds", db));
            Assert.Equal(400, metrics.Value("lifeboat_backup_bytes_read", db));
            Assert.Equal(40, metrics.Value("lifeboat_backup_bytes_stored", db));
            Assert.Equal(4000, metrics.Value("lifeboat_backup_size_bytes", db));
            Assert.Equal(3000, metrics.Value("lifeboat_backup_size_median_bytes", db));
            Assert.Equal(4, metrics.Value("lifeboat_snapshots", db));
            Assert.Equal("histogram", metrics.Types["lifeboat_backup_duration_seconds"]);
            Assert.Equal(0, metrics.Value("lifeboat_backup_duration_seconds_bucket", db, ("le", "60")));
            Assert.Equal(4, metrics.Value("lifeboat_backup_duration_seconds_bucket", db, ("le", "120")));
            Assert.Equal(4, metrics.Value("lifeboat_backup_duration_seconds_bucket", db, ("le", "+Inf")));
            Assert.Equal(480, metrics.Value("lifeboat_backup_duration_seconds_sum", db));
            Assert.Equal(4, metrics.Value("lifeboat_backup_duration_seconds_count", db));

            // The odd name comes back exactly through the escaping; it has no RPO, so no target is exported.
            var odd = ("component", Odd);
            Assert.Equal(3, metrics.Value("lifeboat_backup_success_total", odd));
            Assert.Equal(1, metrics.Value("lifeboat_backup_failure_total", odd));
            Assert.False(metrics.Has("lifeboat_rpo_target_seconds", Odd));
            Assert.Equal(Start.ToUnixTimeSeconds(), metrics.Value("lifeboat_start_time_seconds"));
            foreach (var name in new[] { "lifeboat_backup_success_total", "lifeboat_backup_failure_total", "lifeboat_backup_last_success_timestamp_seconds",
                         "lifeboat_backup_duration_seconds", "lifeboat_backup_bytes_read", "lifeboat_backup_bytes_stored", "lifeboat_snapshots",
                         "lifeboat_backup_age_seconds", "lifeboat_rpo_target_seconds", "lifeboat_backup_size_median_bytes", "lifeboat_webhook_failures_total" })
            {
                Assert.True(metrics.Help.ContainsKey(name), $"no HELP for {name}");
            }

            using var health = await http.GetAsync(new Uri(await server.Address, "/health"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var document = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            var dbHealth = document.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "db");
            Assert.Equal("attempt 2 of db failed", dbHealth.GetProperty("lastError").GetString());
            Assert.True(dbHealth.GetProperty("rpoMet").GetBoolean());
        }
        finally
        {
            await stop.CancelAsync();
            await SchedulerTests.DrainAsync(clock, running);
        }
    }

    [Fact]
    public async Task Readiness_is_503_with_the_reason_while_the_repository_is_missing_and_200_once_it_exists()
    {
        using var directory = new TempDirectory();
        var store = new LocalBlobStore(directory.Path);
        await WithIdleServerAsync([RepositoryProbe.For(store)], async (http, address) =>
        {
            var ready = new Uri(address, "/health/ready");
            using (var response = await http.GetAsync(ready))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal("not ready", body.RootElement.GetProperty("status").GetString());
                var reason = Assert.Single(body.RootElement.GetProperty("reasons").EnumerateArray()).GetString();
                Assert.Equal($"repository: {store.Location} holds no repository (no config): is the disk mounted, or the bucket right? Create one with 'lifeboat init'", reason);
            }
            using (var alive = await http.GetAsync(new Uri(address, "/health")))
            {
                Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            }

            await TestRepository.InitAsync(store);
            using (var response = await http.GetAsync(ready))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains("\"ready\"", await response.Content.ReadAsStringAsync());
            }
        });
    }

    [Fact]
    public async Task Readiness_is_503_with_the_line_and_column_when_the_plan_file_is_broken_by_an_edit()
    {
        using var directory = new TempDirectory();
        var plan = directory["lifeboat.yaml"];
        const string valid = "version: 1\nrepositories:\n  main:\n    location: /srv/backup\n    password-env: X\ncomponents:\n  db:\n    kind: command\n    repository: main\n    command: [\"true\"]\n";
        await File.WriteAllTextAsync(plan, valid);
        await WithIdleServerAsync([PlanProbe.For(plan, ComponentKinds.CreateDefault())], async (http, address) =>
        {
            var ready = new Uri(address, "/health/ready");
            using (var response = await http.GetAsync(ready))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await File.WriteAllTextAsync(plan, valid.Replace("repository: main", "repository: nowhere"));
            using (var response = await http.GetAsync(ready))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var reason = Assert.Single(body.RootElement.GetProperty("reasons").EnumerateArray()).GetString()!;
                Assert.StartsWith($"plan: 1 error(s) in the file on disk, the first: {plan}:9:17: ", reason);
                Assert.Contains("nowhere", reason);
            }
        });
    }

    /// <summary>Runs the server with <paramref name="probes"/> and an hourly component that never comes due while <paramref name="body"/> talks to it.</summary>
    private static async Task WithIdleServerAsync(IReadOnlyList<ReadinessProbe> probes, Func<HttpClient, Uri, Task> body)
    {
        var clock = new ManualTimeProvider(Start);
        var server = new LifeboatServer(Options(), [SchedulerTests.Hourly()], new ScriptedRunner(clock), new Dictionary<string, ComponentHistory>(), probes, clock, TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = server.RunAsync(stop.Token);
        try
        {
            // The component's loop and the RPO check wait on the clock: the scheduler has started.
            await clock.WaitForTimersAsync(2);
            using var http = new HttpClient();
            await body(http, await server.Address);
        }
        finally
        {
            await stop.CancelAsync();
            await SchedulerTests.DrainAsync(clock, running);
        }
    }
}
