using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Metrics;

/// <summary>
/// The daemon's per-component figures, fed by the scheduler and written as Prometheus metrics. The names are
/// documented in docs/operations.md; alert rules from <c>lifeboat alerts render</c> depend on them.
/// </summary>
public sealed class BackupMetrics : ISchedulerObserver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ComponentMetrics> _components = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _started;

    /// <summary>Starts the figures of <paramref name="components"/> from what the repository remembers of them.</summary>
    public BackupMetrics(IEnumerable<ScheduledComponent> components, IReadOnlyDictionary<string, ComponentHistory> histories, TimeProvider clock)
    {
        _clock = clock;
        _started = clock.GetUtcNow();
        foreach (var component in components)
        {
            var state = new ComponentMetrics(component.Name, component.Rpo);
            if (histories.GetValueOrDefault(component.Name) is { } history)
            {
                state.LastSuccess = history.LastSuccess;
                state.Snapshots = history.Snapshots;
                state.LastFailure = history.LastFailure;
                state.LastError = history.LastError;
                state.LastRunFailed = history.LastFailure is not null;
                foreach (var size in history.RecentSizes)
                {
                    state.AddSize(size);
                }
            }
            _components.Add(component.Name, state);
        }
    }

    /// <summary>When the newest successful backup of <paramref name="component"/> was taken, or null.</summary>
    public DateTimeOffset? LastSuccess(string component)
    {
        lock (_lock)
        {
            return Get(component).LastSuccess;
        }
    }

    /// <inheritdoc />
    public void RunStarted(string component, DateTimeOffset scheduledFor)
    {
        lock (_lock)
        {
            Get(component).Running = true;
        }
    }

    /// <inheritdoc />
    public void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn)
    {
        lock (_lock)
        {
            var state = Get(component);
            state.AttemptFailures++;
            state.LastError = error.Message;
        }
    }

    /// <inheritdoc />
    public void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration)
    {
        lock (_lock)
        {
            var state = Get(component);
            state.Running = false;
            state.Successes++;
            state.LastSuccess = finished;
            state.LastRunFailed = false;
            state.BytesRead = result.BytesRead;
            state.BytesStored = result.BytesStored;
            state.Snapshots = result.Snapshots ?? state.Snapshots;
            state.Size = result.Size;
            state.AddSize(result.Size);
            state.Durations.Observe(duration.TotalSeconds);
        }
    }

    /// <inheritdoc />
    public void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration)
    {
        lock (_lock)
        {
            var state = Get(component);
            state.Running = false;
            state.Failures++;
            state.AttemptFailures++;
            state.LastFailure = finished;
            state.LastError = error.Message;
            state.LastRunFailed = true;
            state.Durations.Observe(duration.TotalSeconds);
        }
    }

    /// <inheritdoc />
    public void RunInterrupted(string component)
    {
        lock (_lock)
        {
            var state = Get(component);
            state.Running = false;
            state.Interrupted++;
        }
    }

    /// <inheritdoc />
    public void RunsSkipped(string component, int count, DateTimeOffset latest)
    {
        lock (_lock)
        {
            Get(component).Skipped += count;
        }
    }

    /// <summary>
    /// Per component, what /health shows: its state as <c>lifeboat status</c> names it ("breached" past the RPO,
    /// "failed" when the newest run failed within it, else "ok"), last success, age, RPO, last failure and error, running.
    /// </summary>
    public IReadOnlyList<object> Describe()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            return _components.Values.Select(c =>
            {
                bool? rpoMet = c.Rpo is { } rpo ? c.LastSuccess is { } at && now - at <= rpo : null;
                return (object)new
                {
                    component = c.Name,
                    state = rpoMet == false ? "breached" : c.LastRunFailed ? "failed" : "ok",
                    running = c.Running,
                    lastSuccess = c.LastSuccess,
                    ageSeconds = c.LastSuccess is { } last ? (now - last).TotalSeconds : (double?)null,
                    rpoSeconds = c.Rpo?.TotalSeconds,
                    rpoMet,
                    lastRunFailed = c.LastRunFailed,
                    lastFailure = c.LastFailure,
                    lastError = c.LastError,
                    successes = c.Successes,
                    failures = c.Failures,
                };
            }).ToList();
        }
    }

    /// <summary>Writes every family with HELP and TYPE lines and one sample per component.</summary>
    public void Write(PrometheusTextWriter writer)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            var all = _components.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            writer.Family("lifeboat_start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
            writer.Sample("lifeboat_start_time_seconds", [], _started.ToUnixTimeMilliseconds() / 1000.0);
            Counter(writer, all, "lifeboat_backup_success_total", "Successful backup runs since the daemon started.", c => c.Successes);
            Counter(writer, all, "lifeboat_backup_failure_total", "Backup runs that failed after every retry, since the daemon started.", c => c.Failures);
            Counter(writer, all, "lifeboat_backup_attempt_failures_total", "Failed attempts, retried ones included, since the daemon started.", c => c.AttemptFailures);
            Counter(writer, all, "lifeboat_backup_skipped_total", "Scheduled runs skipped because they were missed (catch-up: skip).", c => c.Skipped);
            Counter(writer, all, "lifeboat_backup_interrupted_total", "Runs cancelled by shutdown before they finished (nothing committed).", c => c.Interrupted);
            Gauge(writer, all, "lifeboat_backup_running", "1 while a run of the component is in progress.", c => c.Running ? 1 : 0);
            Gauge(writer, all, "lifeboat_backup_last_success_timestamp_seconds",
                "When the newest successful backup finished, in seconds since the Unix epoch; 0 when there is none.",
                c => c.LastSuccess is { } at ? at.ToUnixTimeMilliseconds() / 1000.0 : 0);
            Gauge(writer, all, "lifeboat_backup_last_failure_timestamp_seconds",
                "When the last failed run ended, in seconds since the Unix epoch (at start: the newest run's, when it failed); else 0.",
                c => c.LastFailure is { } at ? at.ToUnixTimeMilliseconds() / 1000.0 : 0);
            Gauge(writer, all, "lifeboat_backup_last_run_failed",
                "1 while the newest run failed (or was skipped) and no backup was taken since, as 'lifeboat status' reports it; else 0.",
                c => c.LastRunFailed ? 1 : 0);
            Gauge(writer, all, "lifeboat_backup_age_seconds", "Age of the newest successful backup (absent when there is none).",
                c => c.LastSuccess is { } at ? Math.Max(0, (now - at).TotalSeconds) : null);
            Gauge(writer, all, "lifeboat_rpo_target_seconds", "The component's recovery point objective from the plan.", c => c.Rpo?.TotalSeconds);
            Gauge(writer, all, "lifeboat_backup_bytes_read", "Bytes the source produced in the last successful run.", c => c.BytesRead);
            Gauge(writer, all, "lifeboat_backup_bytes_stored", "Bytes added to the repository by the last successful run.", c => c.BytesStored);
            Gauge(writer, all, "lifeboat_backup_size_bytes", "Size of what the last successful backup holds (read or unchanged).", c => c.Size);
            Gauge(writer, all, "lifeboat_backup_size_median_bytes",
                $"Median size of the last {ComponentMetrics.MedianWindow} successful backups (the size anomaly baseline).", c => c.SizeMedian());
            Gauge(writer, all, "lifeboat_snapshots", "Snapshots of the component in the repository.", c => c.Snapshots);
            WriteDurations(writer, all);
        }
    }

    private static void WriteDurations(PrometheusTextWriter writer, IReadOnlyList<ComponentMetrics> all)
    {
        const string name = "lifeboat_backup_duration_seconds";
        writer.Family(name, "histogram", "Duration of backup runs (retries included), successful and failed.");
        foreach (var c in all)
        {
            var h = c.Durations;
            for (var i = 0; i < DurationHistogram.Bounds.Count; i++)
            {
                writer.Sample($"{name}_bucket", [new("component", c.Name), new("le", PrometheusTextWriter.FormatValue(DurationHistogram.Bounds[i]))], h.CountAtOrBelow(i));
            }
            writer.Sample($"{name}_bucket", [new("component", c.Name), new("le", "+Inf")], h.Count);
            writer.Sample($"{name}_sum", [new("component", c.Name)], h.Sum);
            writer.Sample($"{name}_count", [new("component", c.Name)], h.Count);
        }
    }

    private static void Counter(PrometheusTextWriter writer, IReadOnlyList<ComponentMetrics> all, string name, string help, Func<ComponentMetrics, double> value)
    {
        writer.Family(name, "counter", help);
        foreach (var c in all)
        {
            writer.Sample(name, [new("component", c.Name)], value(c));
        }
    }

    private static void Gauge(PrometheusTextWriter writer, IReadOnlyList<ComponentMetrics> all, string name, string help, Func<ComponentMetrics, double?> value)
    {
        writer.Family(name, "gauge", help);
        foreach (var c in all)
        {
            if (value(c) is { } v)
            {
                writer.Sample(name, [new("component", c.Name)], v);
            }
        }
    }

    private ComponentMetrics Get(string component) =>
        _components.TryGetValue(component, out var state) ? state : throw new ArgumentException($"component '{component}' is not scheduled");
}
