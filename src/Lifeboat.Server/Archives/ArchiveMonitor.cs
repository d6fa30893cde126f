using Lifeboat.Plan;
using Lifeboat.Plan.Status;
using Lifeboat.Server.Metrics;

namespace Lifeboat.Server.Archives;

/// <summary>
/// The continuous archives (PostgreSQL WAL) of a plan's components, read for <c>/metrics</c> and <c>/health</c> the way
/// <c>lifeboat status --plan</c> reads them (<see cref="PlanStatusReader"/> with the same <see cref="IArchiveHealthReader"/>).
/// Reading opens the repository and lists its snapshots and WAL, so it runs every check interval
/// (<see cref="RunAsync"/>), never on a scrape: a scrape shows the last reading, with the age recomputed at the scrape.
/// </summary>
public sealed class ArchiveMonitor
{
    private readonly Lock _lock = new();
    private readonly BackupPlan _plan;
    private readonly IArchiveHealthReader _reader;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, (ArchiveHealth Health, DateTimeOffset Checked)> _readings = new(StringComparer.Ordinal);

    /// <summary>Monitors the components of <paramref name="plan"/> that <paramref name="reader"/> says archive; nothing is read before <see cref="RefreshAsync"/>.</summary>
    public ArchiveMonitor(BackupPlan plan, IArchiveHealthReader reader, TimeProvider clock)
    {
        _plan = plan with { Components = [.. plan.Components.Where(reader.Archives)] };
        _reader = reader;
        _clock = clock;
    }

    /// <summary>The components whose archive is monitored, in plan order.</summary>
    public IReadOnlyList<string> Components => [.. _plan.Components.Select(c => c.Name)];

    /// <summary>Reads every monitored archive now, then again each <paramref name="interval"/> until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                try
                {
                    await RefreshAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Shown as every archive's problem (healthy 0), so the alert fires; the next interval reads again.
                    Unreadable(e.Message);
                }
                await Task.Delay(interval, _clock, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>
    /// Reads every monitored archive. A repository that cannot be opened makes its components' archives unhealthy with
    /// that reason (the archive cannot be shown to work), not an exception.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_plan.Components.Count == 0)
        {
            return;
        }
        var warnings = new List<string>();
        var statuses = await new PlanStatusReader(_plan, _clock) { Archives = _reader }.ReadAsync(warnings, cancellationToken);
        var checkedAt = _clock.GetUtcNow();
        lock (_lock)
        {
            foreach (var status in statuses)
            {
                var health = status.Archive ?? new ArchiveHealth
                {
                    Name = $"WAL archive (component '{status.Component}')",
                    Problems = [$"the repository '{status.Repository}' cannot be read: {status.Error ?? "no archive was reported"}"],
                };
                _readings[status.Component] = (health, checkedAt);
            }
        }
    }

    private void Unreadable(string reason)
    {
        var checkedAt = _clock.GetUtcNow();
        lock (_lock)
        {
            foreach (var name in Components)
            {
                _readings[name] = (new ArchiveHealth { Name = $"WAL archive (component '{name}')", Problems = [$"the WAL archive could not be read: {reason}"] }, checkedAt);
            }
        }
    }

    /// <summary>Per monitored component that was read: healthy, newest file and its age, refused pushes, problems, when it was read.</summary>
    public IReadOnlyList<object> Describe()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            return [.. Components.Where(_readings.ContainsKey).Select(name =>
            {
                var (health, checkedAt) = _readings[name];
                return (object)new
                {
                    component = name, archive = health.Name, healthy = health.Healthy, newest = health.Newest, newestArchived = health.NewestArchived,
                    ageSeconds = Age(health, now), refused = health.Refused, problems = health.Problems, checkedAt,
                };
            })];
        }
    }

    /// <summary>Writes the <c>lifeboat_wal_archive_*</c> families (docs/operations.md), one sample per component read so far.</summary>
    public void Write(PrometheusTextWriter writer)
    {
        var now = _clock.GetUtcNow();
        List<(string Name, (ArchiveHealth Health, DateTimeOffset Checked) Reading)> all;
        lock (_lock)
        {
            all = [.. _readings.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Value))];
        }
        Family(writer, all, "lifeboat_wal_archive_healthy",
            "1 while the component's WAL archive works and its newest segment is within the RPO, as 'lifeboat status --plan' reports it; else 0.",
            r => r.Health.Healthy ? 1 : 0);
        Family(writer, all, "lifeboat_wal_archive_age_seconds", "Age of the newest archived WAL segment (absent when none is archived).", r => Age(r.Health, now));
        Family(writer, all, "lifeboat_wal_archive_refused", "WAL pushes refused (wal/refused-* records) since the newest archived segment.", r => r.Health.Refused);
        Family(writer, all, "lifeboat_wal_archive_checked_timestamp_seconds",
            "When the daemon last read the WAL archive, in seconds since the Unix epoch.", r => r.Checked.ToUnixTimeMilliseconds() / 1000.0);
    }

    private static double? Age(ArchiveHealth health, DateTimeOffset now) =>
        health.NewestArchived is { } at ? Math.Max(0, (now - at).TotalSeconds) : null;

    private static void Family(PrometheusTextWriter writer, List<(string Name, (ArchiveHealth Health, DateTimeOffset Checked) Reading)> all, string name, string help, Func<(ArchiveHealth Health, DateTimeOffset Checked), double?> value)
    {
        writer.Family(name, "gauge", help);
        foreach (var (component, reading) in all)
        {
            if (value(reading) is { } v)
            {
                writer.Sample(name, [new("component", component)], v);
            }
        }
    }

}
