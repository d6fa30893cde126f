using System.Net;
using System.Text.Json;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

public sealed class WebhookTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 27, 0, 30, 0, TimeSpan.Zero);

    private static ServerOptions Options(int attempts, params Uri[] webhooks) => new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        RpoCheckInterval = TimeSpan.FromDays(1),
        Webhooks = webhooks,
        WebhookAttempts = attempts,
        WebhookInitialDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Failures_an_rpo_breach_and_the_recovery_are_posted_as_slack_messages_and_a_500_is_retried()
    {
        using var receiver = new WebhookReceiver(HttpStatusCode.InternalServerError);
        var clock = new ManualTimeProvider(Start);
        // Runs at 01:00, 02:00 and 03:00 fail; at 03:00 the RPO of 2 hours has passed since the daemon started at 00:30.
        var runner = new ScriptedRunner(clock) { Fails = n => n <= 3 };
        var server = new LifeboatServer(Options(5, receiver.Url), [SchedulerTests.Hourly()], runner, new Dictionary<string, ComponentHistory>(), [], clock, TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = server.RunAsync(stop.Token);
        try
        {
            await clock.RunUntilAsync(Start.AddHours(4), waiters: 2);
            await receiver.WaitForAsync(6);
            var requests = receiver.Requests.ToList();
            Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
                requests.Select(r => r.Status));
            // The first message was retried after the 500: the same body again.
            Assert.Equal(requests[0].Body.GetRawText(), requests[1].Body.GetRawText());
            var events = requests.Skip(1).Select(r => r.Body.GetProperty("lifeboat").GetProperty("event").GetString()).ToList();
            Assert.Equal(["failure", "failure", "failure", "rpo_breach", "recovery"], events);
            Assert.All(requests, r => Assert.StartsWith("application/json", r.ContentType));

            var failure = requests[1].Body;
            Assert.Equal($":x: lifeboat on {Environment.MachineName}: backup of component 'db' failed after 1 attempt: attempt 1 of db failed", failure.GetProperty("text").GetString());
            var fields = failure.GetProperty("attachments")[0].GetProperty("fields").EnumerateArray()
                .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
            Assert.Equal("db", fields["component"]);
            Assert.Equal("failure", fields["event"]);
            Assert.Equal("attempt 1 of db failed", fields["error"]);
            Assert.Equal("danger", failure.GetProperty("attachments")[0].GetProperty("color").GetString());
            Assert.Equal("db", failure.GetProperty("lifeboat").GetProperty("component").GetString());
            Assert.Equal(7200, failure.GetProperty("lifeboat").GetProperty("rpoSeconds").GetDouble());

            var breach = requests[4].Body;
            Assert.Contains("component 'db' has no successful backup", breach.GetProperty("text").GetString());
            Assert.Equal(Start.AddHours(2).AddMinutes(35), DateTimeOffset.Parse(breach.GetProperty("lifeboat").GetProperty("time").GetString()!));
            var recovery = requests[5].Body;
            Assert.Equal("recovery", recovery.GetProperty("lifeboat").GetProperty("event").GetString());
            Assert.Contains("component 'db' backed up again", recovery.GetProperty("text").GetString());
            Assert.Equal(JsonValueKind.Null, recovery.GetProperty("lifeboat").GetProperty("error").ValueKind);
        }
        finally
        {
            await stop.CancelAsync();
            await SchedulerTests.DrainAsync(clock, running);
        }
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_counted_in_health_and_metrics_and_the_daemon_goes_on()
    {
        using var receiver = new WebhookReceiver(HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Fails = n => n == 1 };
        var server = new LifeboatServer(Options(3, receiver.Url), [SchedulerTests.Hourly()], runner, new Dictionary<string, ComponentHistory>(), [], clock, TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var running = server.RunAsync(stop.Token);
        try
        {
            await clock.RunUntilAsync(Start.AddHours(1), waiters: 2);
            await receiver.WaitForAsync(3);
            using var http = new HttpClient();
            var address = await server.Address;
            // Delivery counters are updated after the response is read: poll briefly.
            PrometheusText metrics;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            do
            {
                metrics = PrometheusText.Parse(await http.GetStringAsync(new Uri(address, "/metrics")));
            }
            while (metrics.Value("lifeboat_webhook_failures_total") < 1 && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));
            Assert.Equal(1, metrics.Value("lifeboat_webhook_failures_total"));
            Assert.Equal(3, metrics.Value("lifeboat_webhook_attempt_failures_total"));
            Assert.Equal(0, metrics.Value("lifeboat_webhook_deliveries_total"));
            using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(address, "/health")));
            var lastError = health.RootElement.GetProperty("webhooks").GetProperty("lastError").GetString();
            Assert.Equal("webhook http://" + receiver.Url.Authority + "/…: failure of 'db', attempt 3/3: HTTP 503 Service Unavailable", lastError);

            // The daemon goes on: the next run happens and succeeds.
            await clock.RunUntilAsync(Start.AddHours(2), waiters: 2);
            Assert.Equal([true, false], runner.Attempts.Select(a => a.Failed));
        }
        finally
        {
            await stop.CancelAsync();
            await SchedulerTests.DrainAsync(clock, running);
        }
    }
}
