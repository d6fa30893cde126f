using System.Text.Json;
using Lifeboat.Server.Archives;
using Lifeboat.Server.Health;
using Lifeboat.Server.Metrics;
using Lifeboat.Server.Scheduling;
using Lifeboat.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Hosting;

/// <summary>
/// The daemon: the <see cref="Scheduler"/> running the plan's components, <c>/health</c>, <c>/health/ready</c> and
/// <c>/metrics</c> over HTTP (Kestrel), webhooks on failure, RPO breach and recovery. <see cref="RunAsync"/> runs it
/// until cancelled, then stops scheduling, gives in-flight runs the grace period, and stops the web server last.
/// </summary>
public sealed class LifeboatServer
{
    private static readonly JsonSerializerOptions JsonOutput = new() { WriteIndented = true };

    private readonly ServerOptions _options;
    private readonly IReadOnlyList<ScheduledComponent> _components;
    private readonly TimeProvider _clock;
    private readonly Readiness _readiness;
    private readonly BackupMetrics _metrics;
    private readonly WebhookNotifier _notifier;
    private readonly AlertTracker _alerts;
    private readonly Scheduler _scheduler;
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wires the daemon; nothing starts before <see cref="RunAsync"/>.</summary>
    /// <param name="options">Listen address, grace period, webhooks.</param>
    /// <param name="components">The plan's components.</param>
    /// <param name="runner">Runs one backup of a component.</param>
    /// <param name="histories">What the repository remembers of each component.</param>
    /// <param name="probes">The conditions of readiness (repository reachable, plan valid).</param>
    /// <param name="clock">The clock of schedules, ages and waits.</param>
    /// <param name="log">The daemon's log (stderr).</param>
    public LifeboatServer(ServerOptions options, IReadOnlyList<ScheduledComponent> components, IComponentRunner runner,
        IReadOnlyDictionary<string, ComponentHistory> histories, IReadOnlyList<ReadinessProbe> probes, TimeProvider clock, TextWriter log)
    {
        _options = options;
        _components = components;
        _clock = clock;
        _readiness = new Readiness(probes);
        _metrics = new BackupMetrics(components, histories, clock);
        // Webhook retries wait in real time whatever clock the schedules run on: they pace a remote endpoint.
        _notifier = new WebhookNotifier(options.Webhooks, new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, TimeProvider.System, Environment.MachineName)
        {
            MaxAttempts = options.WebhookAttempts,
            InitialDelay = options.WebhookInitialDelay,
        };
        _alerts = new AlertTracker(components, _metrics, _notifier, clock);
        _scheduler = new Scheduler(components, runner, histories, new SchedulerObservers(_metrics, _alerts, new SchedulerLog(log, clock)), clock, options.ShutdownGrace);
    }

    /// <summary>The WAL archives shown in /metrics and /health, read every <see cref="ServerOptions.ArchiveCheckInterval"/>; null: none.</summary>
    public ArchiveMonitor? Archives { get; init; }

    /// <summary>The address /health and /metrics are served on, once listening (the real port when 0 was asked).</summary>
    public Task<Uri> Address => _address.Task;

    /// <summary>Serves and schedules until <paramref name="stopping"/> is cancelled, then shuts down cleanly (see the class summary).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        await using var app = BuildApp();
        try
        {
            await app.StartAsync(CancellationToken.None);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot listen on {_options.Listen}: {e.Message.TrimEnd('.')}; pass another --listen address", e);
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _address.TrySetResult(new Uri(bound));

        using var stopRegistration = stopping.Register(_readiness.Stopping);
        var notifier = _notifier.RunAsync(CancellationToken.None);
        var rpo = _alerts.RunAsync(_options.RpoCheckInterval, stopping);
        var archives = Archives?.RunAsync(_options.ArchiveCheckInterval, stopping) ?? Task.CompletedTask;
        _readiness.Started();
        if (stopping.IsCancellationRequested)
        {
            _readiness.Stopping();
        }
        await _scheduler.RunAsync(stopping);
        await rpo;
        await archives;
        // Webhooks for the last runs still go out, within a bound, before the process ends.
        _notifier.Complete();
        await Task.WhenAny(notifier, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
        await app.StopAsync(CancellationToken.None);
    }

    private WebApplication BuildApp()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, ServerHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(_options.Listen));
        var app = builder.Build();
        app.MapGet("/health", () => Results.Json(new
        {
            status = "alive",
            time = _clock.GetUtcNow(),
            components = _metrics.Describe(),
            walArchives = Archives?.Describe() ?? [],
            nextRuns = _scheduler.NextRuns,
            webhooks = _notifier.Describe(),
        }, JsonOutput));
        app.MapGet("/health/ready", async (CancellationToken cancellationToken) =>
        {
            var reasons = await _readiness.ReasonsAsync(cancellationToken);
            return reasons.Count == 0
                ? Results.Json(new { status = "ready" }, JsonOutput)
                : Results.Json(new { status = "not ready", reasons }, JsonOutput, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", () =>
        {
            var text = new StringWriter();
            var writer = new PrometheusTextWriter(text);
            _metrics.Write(writer);
            Archives?.Write(writer);
            _notifier.Write(writer);
            return Results.Text(text.ToString(), PrometheusTextWriter.ContentType);
        });
        return app;
    }

    /// <summary>The components this daemon schedules.</summary>
    public IReadOnlyList<ScheduledComponent> Components => _components;
}
