using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Tests.Cli;
using Lifeboat.Tests.Server;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// The daemon shows a physical component's WAL archive as 'lifeboat status --plan' does: healthy while archiving works,
/// unhealthy with the refused push counted once a push is refused; and the rendered alert rules watch those metrics.
/// </summary>
public sealed class WalArchiveMetricsTests
{
    [Fact]
    public async Task Serve_exports_wal_archive_health_and_a_refused_push_turns_it_unhealthy_on_the_next_read()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await cluster.SwitchAndWaitArchivedAsync();
        var plan = await cluster.WritePlanAsync(component: ["rpo: 1h", "schedule:", "  cron: \"0 3 * * *\""]);
        var environment = new Dictionary<string, string?> { ["PGPASSWORD"] = PostgresServer.Password };
        // Backed up before the daemon starts, so it has nothing to catch up on and only reads.
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "backup", "--plan", plan));

        var rules = await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "alerts", "render", "--plan", plan));
        Assert.Contains("alert: LifeboatWalArchiveFailing", rules.Stdout);
        Assert.Contains("expr: lifeboat_wal_archive_healthy{component=\"db\"} == 0 or lifeboat_wal_archive_age_seconds{component=\"db\"} > 3600", rules.Stdout);

        await using var serve = await ServeAsync(plan);
        using var http = new HttpClient();
        var healthy = await WaitForMetricsAsync(http, serve.Address, m => Value(m, "lifeboat_wal_archive_healthy") == 1);
        Assert.InRange(Value(healthy, "lifeboat_wal_archive_age_seconds")!.Value, 0, 3600);
        Assert.Equal(0, Value(healthy, "lifeboat_wal_archive_refused"));

        // The cluster is replaced by a fresh one (a new initdb) whose segment 'wal push' refuses: another system identifier.
        await cluster.Server.StopServerAsync();
        await using var fresh = await PostgresServer.StartAsync();
        await fresh.PsqlAsync("select pg_switch_wal()");
        var (segment, refused) = await cluster.PushSegmentOfAsync(fresh);
        Assert.Equal(1, refused.ExitCode);

        var broken = await WaitForMetricsAsync(http, serve.Address, m => Value(m, "lifeboat_wal_archive_healthy") == 0);
        Assert.Equal(1, Value(broken, "lifeboat_wal_archive_refused"));
        using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(serve.Address, "/health")));
        var archive = Assert.Single(health.RootElement.GetProperty("walArchives").EnumerateArray());
        Assert.Equal("db", archive.GetProperty("component").GetString());
        Assert.False(archive.GetProperty("healthy").GetBoolean());
        Assert.Contains(archive.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith($"{segment} refused since", StringComparison.Ordinal));
        // The same verdict as status.
        Assert.Equal(5, (await CliRunner.RunAsync(environment, "status", "--plan", plan)).ExitCode);
    }

    private static double? Value(PrometheusText metrics, string name) =>
        metrics.Samples.SingleOrDefault(s => s.Name == name && s.Labels.GetValueOrDefault("component") == "db")?.Value;

    /// <summary>Scrapes /metrics until <paramref name="condition"/> holds (the daemon reads the archive every second), within two minutes.</summary>
    private static async Task<PrometheusText> WaitForMetricsAsync(HttpClient http, Uri address, Func<PrometheusText, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var text = await http.GetStringAsync(new Uri(address, "/metrics"));
            var metrics = PrometheusText.Parse(text);
            if (condition(metrics))
            {
                return metrics;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"the metrics never got there:\n{text}");
            await Task.Delay(100);
        }
    }

    private static async Task<ServeProcess> ServeAsync(string plan)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "serve", "--plan", plan, "--listen", "127.0.0.1:0", "--archive-check-interval", "1s" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        start.Environment["PGPASSWORD"] = PostgresServer.Password;
        var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
                if (line.IndexOf("/health and /metrics on ", StringComparison.Ordinal) is var at and >= 0)
                {
                    address.TrySetResult(new Uri(line[(at + "/health and /metrics on ".Length)..].Trim()));
                }
            }
            address.TrySetException(new InvalidOperationException($"serve ended: {string.Join('\n', lines)}"));
        });
        _ = process.StandardOutput.ReadToEndAsync();
        var listening = await address.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return new ServeProcess(process, listening);
    }

    private sealed record ServeProcess(Process Process, Uri Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync();
            }
            Process.Dispose();
        }
    }
}
