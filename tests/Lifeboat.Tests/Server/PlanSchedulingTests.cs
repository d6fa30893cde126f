using System.Net;
using Lifeboat.Plan;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Plans;
using Lifeboat.Server.Scheduling;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Server;

/// <summary>The daemon runs a plan's components with the plan's catch-up, retry and webhooks, unless the command line overrides them.</summary>
public sealed class PlanSchedulingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DateTimeOffset At(int hour, int minute = 0) => new(2026, 3, 27, hour, minute, 0, TimeSpan.Zero);

    private BackupPlan Load(string text)
    {
        var (plan, errors) = PlanLoader.Parse(text, _temp["lifeboat.yaml"], ComponentKinds.CreateDefault());
        Assert.Empty(errors);
        return plan!;
    }

    private BackupPlan TwoHourlyComponents() => Load("""
        repositories:
          main: { location: ./repo, password-env: LB_PASSWORD }
        defaults:
          catch-up: skip
          retry: { attempts: 2, delay: 2m }
        components:
          db:
            kind: command
            command: [pg_dump, app]
            schedule: "@hourly"
            retry: { attempts: 3 }
          site:
            kind: files
            paths: [./www]
            schedule: "0 * * * *"
            catch-up: once
        """);

    private static ScheduledComponent Named(IReadOnlyList<ScheduledComponent> components, string name) => components.Single(c => c.Name == name);

    [Fact]
    public async Task A_component_never_backed_up_runs_at_start_with_the_plans_catch_up_once_and_waits_with_its_default_skip()
    {
        var components = PlanScheduling.Components(TwoHourlyComponents());
        Assert.Equal(CatchUpPolicy.Skip, Named(components, "db").CatchUp);
        Assert.Equal(CatchUpPolicy.Once, Named(components, "site").CatchUp);

        var clock = new ManualTimeProvider(At(10, 17));
        var site = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Named(components, "site"), site, At(12), ComponentHistory.None);
        Assert.Equal([At(10, 17), At(11), At(12)], site.Attempts.Select(a => a.Started));

        clock = new ManualTimeProvider(At(10, 17));
        var db = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Named(components, "db"), db, At(12), ComponentHistory.None);
        Assert.Equal([At(11), At(12)], db.Attempts.Select(a => a.Started));

        // --catch-up once on the command line overrides the plan.
        clock = new ManualTimeProvider(At(10, 17));
        var overridden = new ScriptedRunner(clock);
        await SchedulerTests.RunAsync(clock, Named(PlanScheduling.Components(TwoHourlyComponents(), catchUp: CatchUpPolicy.Once), "db"), overridden, At(12), ComponentHistory.None);
        Assert.Equal([At(10, 17), At(11), At(12)], overridden.Attempts.Select(a => a.Started));
    }

    [Fact]
    public async Task A_failed_run_is_tried_as_often_as_the_plan_says_with_its_delay_doubled()
    {
        var components = PlanScheduling.Components(TwoHourlyComponents());

        var clock = new ManualTimeProvider(At(10, 30));
        var db = new ScriptedRunner(clock) { Fails = _ => true };
        var observer = await SchedulerTests.RunAsync(clock, Named(components, "db"), db, At(11, 30));
        // Five-minute attempts: 11:00, then 2 minutes after its failure, then 4 minutes after that one's.
        Assert.Equal([At(11), At(11, 7), At(11, 16)], db.Attempts.Select(a => a.Started));
        Assert.Equal(["attempt-failed db 1 00:02:00", "attempt-failed db 2 00:04:00"], observer.Where("attempt-failed"));
        Assert.Equal(["failed db 3"], observer.Where("failed db"));

        clock = new ManualTimeProvider(At(10, 30));
        var site = new ScriptedRunner(clock) { Fails = _ => true };
        observer = await SchedulerTests.RunAsync(clock, Named(components, "site"), site, At(11, 30));
        Assert.Equal([At(11), At(11, 7)], site.Attempts.Select(a => a.Started));
        Assert.Equal(["failed site 2"], observer.Where("failed site"));

        // --attempts 1 on the command line overrides both the component's and the default.
        clock = new ManualTimeProvider(At(10, 30));
        var overridden = new ScriptedRunner(clock) { Fails = _ => true };
        observer = await SchedulerTests.RunAsync(clock, Named(PlanScheduling.Components(TwoHourlyComponents(), attempts: 1), "db"), overridden, At(11, 30));
        Assert.Equal([At(11)], overridden.Attempts.Select(a => a.Started));
        Assert.Equal(["failed db 1"], observer.Where("failed db"));
    }

    [Fact]
    public void Without_plan_settings_or_flags_the_daemon_defaults_apply()
    {
        var plan = Load("""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            components:
              site: { kind: files, paths: [./www], schedule: "@daily" }
            """);
        var site = PlanScheduling.Components(plan).Single();
        Assert.Equal(CatchUpPolicy.Once, site.CatchUp);
        Assert.Equal(RetryPolicy.Default.MaxAttempts, site.Retry.MaxAttempts);
        Assert.Equal(RetryPolicy.Default.InitialDelay, site.Retry.InitialDelay);
        Assert.Equal(RetryPolicy.Default.InitialDelay * 32, site.Retry.MaxDelay);
        Assert.Empty(PlanScheduling.Webhooks(plan));
    }

    [Fact]
    public async Task The_webhook_url_named_by_url_env_receives_the_failure_post()
    {
        using var receiver = new WebhookReceiver();
        var variable = "LIFEBOAT_TEST_WEBHOOK_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, receiver.Url.ToString());
        try
        {
            var plan = Load($$"""
                repositories:
                  main: { location: ./repo, password-env: LB_PASSWORD }
                notify:
                  webhooks: [{ url-env: {{variable}} }]
                components:
                  db: { kind: command, command: [pg_dump, app], schedule: "@hourly", rpo: 2h, retry: { attempts: 1 } }
                """);
            Assert.Equal([receiver.Url], PlanScheduling.Webhooks(plan));

            var start = At(0, 30);
            var clock = new ManualTimeProvider(start);
            var runner = new ScriptedRunner(clock) { Fails = n => n == 1 };
            var options = new ServerOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0), RpoCheckInterval = TimeSpan.FromDays(1), Webhooks = PlanScheduling.Webhooks(plan),
            };
            var server = new LifeboatServer(options, PlanScheduling.Components(plan), runner, new Dictionary<string, ComponentHistory>(), [], clock, TextWriter.Null);
            using var stop = new CancellationTokenSource();
            var running = server.RunAsync(stop.Token);
            try
            {
                await clock.RunUntilAsync(At(1, 30), waiters: 2);
                await receiver.WaitForAsync(1);
                var body = receiver.Requests.Single().Body;
                Assert.Equal("failure", body.GetProperty("lifeboat").GetProperty("event").GetString());
                Assert.Equal("db", body.GetProperty("lifeboat").GetProperty("component").GetString());
                Assert.Equal("attempt 1 of db failed", body.GetProperty("lifeboat").GetProperty("error").GetString());
            }
            finally
            {
                await stop.CancelAsync();
                await SchedulerTests.DrainAsync(clock, running);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_webhook_variable_that_is_unset_or_holds_no_url_stops_the_daemon_naming_the_variable_not_the_value()
    {
        var variable = "LIFEBOAT_TEST_WEBHOOK_" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(_temp["webhook"], "hooks.example.com/secret-token\n");
        var plan = Load($$"""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            notify:
              webhooks:
                - url-env: {{variable}}
            components:
              db: { kind: command, command: [pg_dump, app], schedule: "@hourly" }
            """);
        var unset = Assert.Throws<InvalidOperationException>(() => PlanScheduling.Webhooks(plan));
        Assert.Contains($"the environment variable {variable} named in the plan is not set", unset.Message);

        var fromFile = plan with { Webhooks = [new PlanSecret(null, _temp["webhook"])] };
        var notUrl = Assert.Throws<InvalidOperationException>(() => PlanScheduling.Webhooks(fromFile));
        Assert.Contains($"the file {_temp["webhook"]}", notUrl.Message);
        Assert.Contains("is not an http(s) URL", notUrl.Message);
        Assert.DoesNotContain("secret-token", notUrl.Message);
    }
}
