using System.Collections.Concurrent;

namespace Lifeboat.Server.Scheduling;

/// <summary>
/// Runs each component at the occurrences of its schedule, on the clock of a <see cref="TimeProvider"/>. One loop per
/// component, so two runs of one component never overlap: an occurrence that passes while a run is still going (or
/// while the daemon was down) is missed, and the component's <see cref="CatchUpPolicy"/> decides whether one run
/// catches up for all missed occurrences or they are skipped. A failed run is retried by its <see cref="RetryPolicy"/>
/// before it counts as failed.
/// </summary>
public sealed class Scheduler
{
    // Bounds the walk over missed occurrences (a per-minute schedule missed for about two years).
    private const int MaxMissedWalk = 1_000_000;

    // Long waits are cut into days: timers have an upper bound, and the clock is read again after a suspend.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly IReadOnlyList<ScheduledComponent> _components;
    private readonly IComponentRunner _runner;
    private readonly IReadOnlyDictionary<string, ComponentHistory> _histories;
    private readonly ISchedulerObserver _observer;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _shutdownGrace;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _nextRuns = new(StringComparer.Ordinal);

    /// <summary>Creates a scheduler; nothing runs before <see cref="RunAsync"/>.</summary>
    /// <param name="components">The components to schedule; names are unique.</param>
    /// <param name="runner">Runs one backup of a component.</param>
    /// <param name="histories">What the repository remembers of each component (missing: unknown, it waits for its next occurrence).</param>
    /// <param name="observer">Told of every run, retry, failure and skip.</param>
    /// <param name="clock">The clock the schedules are read on and every wait is timed by.</param>
    /// <param name="shutdownGrace">How long in-flight runs may go on after shutdown is asked before they are cancelled.</param>
    public Scheduler(IReadOnlyList<ScheduledComponent> components, IComponentRunner runner, IReadOnlyDictionary<string, ComponentHistory> histories,
        ISchedulerObserver observer, TimeProvider clock, TimeSpan shutdownGrace)
    {
        var duplicate = components.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"component '{duplicate.Key}' is scheduled twice; component names must be unique");
        }
        _components = components;
        _runner = runner;
        _histories = histories;
        _observer = observer;
        _clock = clock;
        _shutdownGrace = shutdownGrace;
    }

    /// <summary>The next occurrence each component waits for (absent while a run is going or when none is left).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> NextRuns => _nextRuns;

    /// <summary>
    /// Schedules until <paramref name="stopping"/> is cancelled; then starts nothing more, lets in-flight runs finish
    /// for the shutdown grace period, cancels those still going (they commit nothing), and returns once every run ended.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var abort = new CancellationTokenSource();
        var loops = Task.WhenAll(_components.Select(c => Task.Run(() => RunComponentAsync(c, stopping, abort.Token), CancellationToken.None)));
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stopping.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(loops, stopped.Task);
        }
        if (!loops.IsCompleted)
        {
            var grace = Task.Delay(_shutdownGrace, _clock, CancellationToken.None);
            if (await Task.WhenAny(loops, grace) == grace)
            {
                await abort.CancelAsync();
            }
        }
        await loops;
    }

    private async Task RunComponentAsync(ScheduledComponent component, CancellationToken stopping, CancellationToken abort)
    {
        // A component the repository has no backup of has missed everything: with catch-up once it runs right away. One
        // whose history could not be read waits for its next occurrence (the readiness probe shows why).
        var known = _histories.TryGetValue(component.Name, out var history);
        var runNow = known && history!.LastRun is null && component.CatchUp == CatchUpPolicy.Once;
        var lastSlot = history?.LastRun ?? _clock.GetUtcNow();
        while (!stopping.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            var next = component.Schedule.Next(lastSlot);
            if (next is null)
            {
                _nextRuns.TryRemove(component.Name, out _);
                return;
            }
            DateTimeOffset slot;
            if (runNow)
            {
                runNow = false;
                slot = now;
            }
            else if (next.Value > now)
            {
                _nextRuns[component.Name] = next.Value;
                if (next.Value - now > MaxWait)
                {
                    if (!await DelayAsync(MaxWait, stopping))
                    {
                        return;
                    }
                    continue;
                }
                if (!await DelayAsync(next.Value - now, stopping))
                {
                    return;
                }
                slot = next.Value;
            }
            else
            {
                var (latest, missed) = LatestOccurrence(component.Schedule, next.Value, now);
                if (component.CatchUp == CatchUpPolicy.Skip)
                {
                    // An occurrence due this very instant is not missed: it runs.
                    var skipped = latest == now ? missed - 1 : missed;
                    if (skipped > 0)
                    {
                        _observer.RunsSkipped(component.Name, skipped, latest);
                    }
                    if (latest != now)
                    {
                        lastSlot = latest;
                        continue;
                    }
                }
                slot = latest;
            }
            _nextRuns.TryRemove(component.Name, out _);
            await RunWithRetriesAsync(component, slot, stopping, abort);
            lastSlot = slot;
        }
    }

    private async Task RunWithRetriesAsync(ScheduledComponent component, DateTimeOffset slot, CancellationToken stopping, CancellationToken abort)
    {
        _observer.RunStarted(component.Name, slot);
        var started = _clock.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await _runner.RunAsync(component.Name, slot, abort);
                var finished = _clock.GetUtcNow();
                _observer.RunSucceeded(component.Name, result, finished, finished - started);
                return;
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                _observer.RunInterrupted(component.Name);
                return;
            }
            catch (Exception e)
            {
                var delay = component.Retry.DelayAfter(attempt);
                // Shutdown ends the retries: the attempts made so far failed, so the run counts as failed.
                if (attempt >= component.Retry.MaxAttempts || stopping.IsCancellationRequested)
                {
                    var finished = _clock.GetUtcNow();
                    _observer.RunFailed(component.Name, e, attempt, finished, finished - started);
                    return;
                }
                _observer.AttemptFailed(component.Name, attempt, e, delay);
                if (!await DelayAsync(delay, stopping))
                {
                    var finished = _clock.GetUtcNow();
                    _observer.RunFailed(component.Name, e, attempt, finished, finished - started);
                    return;
                }
            }
        }
    }

    /// <summary>The last occurrence at or before <paramref name="now"/>, starting from a missed one, and how many there were.</summary>
    private static (DateTimeOffset Latest, int Count) LatestOccurrence(ISchedule schedule, DateTimeOffset firstMissed, DateTimeOffset now)
    {
        var latest = firstMissed;
        var count = 1;
        while (count < MaxMissedWalk && schedule.Next(latest) is { } next && next <= now)
        {
            latest = next;
            count++;
        }
        return (latest, count);
    }

    /// <summary>Waits on the scheduler's clock; false when <paramref name="stopping"/> ended the wait.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, _clock, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
