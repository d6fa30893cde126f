using Lifeboat.Server.Metrics;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Webhooks;

/// <summary>
/// Turns what the scheduler reports into webhook events: every failed run, an RPO breach once when it begins (the
/// newest backup, or the daemon's start when there is none, is older than the RPO), and a recovery at the first
/// success after a failure or breach.
/// </summary>
public sealed class AlertTracker : ISchedulerObserver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ScheduledComponent> _components;
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _breached = new(StringComparer.Ordinal);
    private readonly BackupMetrics _metrics;
    private readonly WebhookNotifier _notifier;
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _started;

    /// <summary>Creates the tracker; <paramref name="metrics"/> supplies the last success of each component.</summary>
    public AlertTracker(IEnumerable<ScheduledComponent> components, BackupMetrics metrics, WebhookNotifier notifier, TimeProvider clock)
    {
        _components = components.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _metrics = metrics;
        _notifier = notifier;
        _clock = clock;
        _started = clock.GetUtcNow();
    }

    /// <summary>Checks every component's RPO each <paramref name="interval"/> until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                CheckRpo();
                await Task.Delay(interval, _clock, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>Posts an RPO breach for each component whose breach begins now.</summary>
    public void CheckRpo()
    {
        var now = _clock.GetUtcNow();
        foreach (var component in _components.Values)
        {
            if (component.Rpo is not { } rpo)
            {
                continue;
            }
            var last = _metrics.LastSuccess(component.Name);
            var age = now - (last ?? _started);
            if (age <= rpo)
            {
                continue;
            }
            lock (_lock)
            {
                if (!_breached.Add(component.Name))
                {
                    continue;
                }
            }
            var summary = last is null
                ? $"component '{component.Name}' has no successful backup, and its RPO of {rpo} has passed since the daemon started"
                : $"the newest backup of component '{component.Name}' is {age:d\\.hh\\:mm\\:ss} old, beyond its RPO of {rpo}";
            _notifier.Notify(new WebhookEvent(WebhookEventKind.RpoBreach, component.Name, now, summary, null, last is null ? null : age, rpo));
        }
    }

    /// <inheritdoc />
    public void RunStarted(string component, DateTimeOffset scheduledFor)
    {
    }

    /// <inheritdoc />
    public void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn)
    {
    }

    /// <inheritdoc />
    public void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration)
    {
        bool recovered;
        lock (_lock)
        {
            recovered = _failing.Remove(component) | _breached.Remove(component);
        }
        if (recovered)
        {
            _notifier.Notify(new WebhookEvent(WebhookEventKind.Recovery, component, finished,
                $"component '{component}' backed up again ({result.BytesRead} bytes read, {result.BytesStored} bytes stored)", null, TimeSpan.Zero, _components[component].Rpo));
        }
    }

    /// <inheritdoc />
    public void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration)
    {
        lock (_lock)
        {
            _failing.Add(component);
        }
        var last = _metrics.LastSuccess(component);
        _notifier.Notify(new WebhookEvent(WebhookEventKind.Failure, component, finished,
            $"backup of component '{component}' failed after {attempts} attempt{(attempts == 1 ? "" : "s")}: {error.Message}",
            error.Message, last is null ? null : finished - last, _components[component].Rpo));
        CheckRpo();
    }

    /// <inheritdoc />
    public void RunInterrupted(string component)
    {
    }

    /// <inheritdoc />
    public void RunsSkipped(string component, int count, DateTimeOffset latest)
    {
    }
}
