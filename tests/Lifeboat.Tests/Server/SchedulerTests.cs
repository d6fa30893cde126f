using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

public sealed class SchedulerTests
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = new(2026, 3, 27, 0, 30, 0, TimeSpan.Zero);
    private static readonly RetryPolicy NoRetry = new() { MaxAttempts = 1 };

    internal static ScheduledComponent Hourly(CatchUpPolicy catchUp = CatchUpPolicy.Once, RetryPolicy? retry = null) =>
        new("db", new IntervalSchedule(Origin, TimeSpan.FromHours(1)), catchUp, retry ?? NoRetry, TimeSpan.FromHours(2));

    private static DateTimeOffset At(int day, int hour, int minute = 0) => new(2026, 3, day, hour, minute, 0, TimeSpan.Zero);

    /// <summary>Runs a scheduler of one component on <paramref name="clock"/> until <paramref name="until"/>, then stops it (cancelling what is in flight).</summary>
    internal static async Task<RecordingObserver> RunAsync(ManualTimeProvider clock, ScheduledComponent component, ScriptedRunner runner,
        DateTimeOffset until, ComponentHistory? history = null)
    {
        var observer = new RecordingObserver();
        var histories = history is null ? new Dictionary<string, ComponentHistory>() : new Dictionary<string, ComponentHistory> { [component.Name] = history };
        var scheduler = new Scheduler([component], runner, histories, observer, clock, TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var running = scheduler.RunAsync(stop.Token);
        await clock.RunUntilAsync(until, waiters: 1);
        await stop.CancelAsync();
        await DrainAsync(clock, running);
        return observer;
    }

    /// <summary>Moves the clock a minute at a time until <paramref name="running"/> ends (the grace period passes on the test clock).</summary>
    internal static async Task DrainAsync(ManualTimeProvider clock, Task running)
    {
        for (var i = 0; i < 600 && !running.IsCompleted; i++)
        {
            await Task.WhenAny(running, Task.Delay(5));
            clock.Advance(TimeSpan.FromMinutes(1));
        }
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_hourly_component_runs_once_at_every_hour_for_three_days()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock);
        await RunAsync(clock, Hourly(), runner, Start.AddDays(3));

        var attempts = runner.Attempts.ToList();
        Assert.Equal(72, attempts.Count);
        for (var i = 0; i < attempts.Count; i++)
        {
            Assert.Equal(At(27, 1).AddHours(i), attempts[i].ScheduledFor);
            Assert.Equal(attempts[i].ScheduledFor, attempts[i].Started);
        }
        Assert.Equal(1, runner.MaxConcurrent);
    }

    [Fact]
    public async Task A_run_longer_than_the_interval_never_overlaps_and_catch_up_once_runs_once_for_what_it_missed()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Duration = TimeSpan.FromMinutes(90) };
        var observer = await RunAsync(clock, Hourly(CatchUpPolicy.Once), runner, At(27, 13));

        var attempts = runner.Attempts.ToList();
        Assert.Equal(1, runner.MaxConcurrent);
        Assert.Equal([At(27, 1), At(27, 2, 30), At(27, 4), At(27, 5, 30), At(27, 7), At(27, 8, 30), At(27, 10), At(27, 11, 30)], attempts.Select(a => a.Started));
        // Each run is for the latest occurrence it caught up with; the ones in between are folded into it.
        Assert.Equal([At(27, 1), At(27, 2), At(27, 4), At(27, 5), At(27, 7), At(27, 8), At(27, 10), At(27, 11)], attempts.Select(a => a.ScheduledFor));
        for (var i = 1; i < attempts.Count; i++)
        {
            Assert.True(attempts[i].Started >= attempts[i - 1].Ended);
        }
        Assert.Empty(observer.Where("skipped"));
        // The run that started at 13:00 was still going at shutdown: after the grace period it was cancelled.
        Assert.Equal(["interrupted db"], observer.Where("interrupted"));
    }

    [Fact]
    public async Task A_run_longer_than_the_interval_with_catch_up_skip_drops_the_missed_occurrence()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Duration = TimeSpan.FromMinutes(90) };
        var observer = await RunAsync(clock, Hourly(CatchUpPolicy.Skip), runner, At(27, 13));

        var attempts = runner.Attempts.ToList();
        Assert.Equal([At(27, 1), At(27, 3), At(27, 5), At(27, 7), At(27, 9), At(27, 11)], attempts.Select(a => a.Started));
        Assert.All(attempts, a => Assert.Equal(a.ScheduledFor, a.Started));
        Assert.Equal(["skipped db 1 2026-03-27T02:00", "skipped db 1 2026-03-27T04:00", "skipped db 1 2026-03-27T06:00",
            "skipped db 1 2026-03-27T08:00", "skipped db 1 2026-03-27T10:00", "skipped db 1 2026-03-27T12:00"], observer.Where("skipped"));
        Assert.Equal(1, runner.MaxConcurrent);
    }

    [Fact]
    public async Task Runs_missed_while_the_daemon_was_down_are_caught_up_once_at_start()
    {
        var clock = new ManualTimeProvider(At(27, 10));
        var runner = new ScriptedRunner(clock);
        var daily = new ScheduledComponent("db", new IntervalSchedule(Origin.AddHours(2), TimeSpan.FromDays(1)), CatchUpPolicy.Once, NoRetry, null);
        var history = new ComponentHistory(At(24, 2), At(24, 2, 5), 3, []);
        var observer = await RunAsync(clock, daily, runner, At(28, 3), history);

        var attempts = runner.Attempts.ToList();
        Assert.Equal([At(27, 10), At(28, 2)], attempts.Select(a => a.Started));
        Assert.Equal([At(27, 2), At(28, 2)], attempts.Select(a => a.ScheduledFor));
        Assert.Empty(observer.Where("skipped"));
    }

    [Fact]
    public async Task A_component_never_backed_up_runs_at_start_with_catch_up_once_and_waits_with_skip()
    {
        var clock = new ManualTimeProvider(At(27, 10, 17));
        var once = new ScriptedRunner(clock);
        await RunAsync(clock, Hourly(CatchUpPolicy.Once), once, At(27, 12), ComponentHistory.None);
        Assert.Equal([At(27, 10, 17), At(27, 11), At(27, 12)], once.Attempts.Select(a => a.Started));

        clock = new ManualTimeProvider(At(27, 10, 17));
        var skip = new ScriptedRunner(clock);
        await RunAsync(clock, Hourly(CatchUpPolicy.Skip), skip, At(27, 12), ComponentHistory.None);
        Assert.Equal([At(27, 11), At(27, 12)], skip.Attempts.Select(a => a.Started));
    }

    [Fact]
    public async Task Runs_missed_while_the_daemon_was_down_are_skipped_by_policy()
    {
        var clock = new ManualTimeProvider(At(27, 10));
        var runner = new ScriptedRunner(clock);
        var daily = new ScheduledComponent("db", new IntervalSchedule(Origin.AddHours(2), TimeSpan.FromDays(1)), CatchUpPolicy.Skip, NoRetry, null);
        var history = new ComponentHistory(At(24, 2), At(24, 2, 5), 3, []);
        var observer = await RunAsync(clock, daily, runner, At(28, 3), history);

        Assert.Equal([At(28, 2)], runner.Attempts.Select(a => a.Started));
        Assert.Equal(["skipped db 3 2026-03-27T02:00"], observer.Where("skipped"));
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_with_exponential_backoff_and_the_run_counts_once()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Fails = n => n <= 2 };
        var retry = new RetryPolicy { MaxAttempts = 3, InitialDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(30) };
        var observer = await RunAsync(clock, Hourly(retry: retry), runner, At(27, 1, 30));

        Assert.Equal([At(27, 1), At(27, 1, 6), At(27, 1, 13)], runner.Attempts.Select(a => a.Started));
        Assert.Equal([true, true, false], runner.Attempts.Select(a => a.Failed));
        Assert.Equal(["attempt-failed db 1 00:01:00", "attempt-failed db 2 00:02:00"], observer.Where("attempt-failed"));
        Assert.Equal(["succeeded db"], observer.Where("succeeded"));
        Assert.Empty(observer.Where("failed db"));
    }

    [Fact]
    public async Task A_run_that_fails_every_bounded_attempt_counts_as_failed_and_the_next_occurrence_still_runs()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Fails = n => n <= 4 };
        var retry = new RetryPolicy { MaxAttempts = 4, InitialDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(3) };
        var observer = await RunAsync(clock, Hourly(retry: retry), runner, At(27, 2, 30));

        // Waits of 1, 2, then 3 minutes (4 is above the cap), each after a 5-minute attempt.
        Assert.Equal([At(27, 1), At(27, 1, 6), At(27, 1, 13), At(27, 1, 21), At(27, 2)], runner.Attempts.Select(a => a.Started));
        Assert.Equal(["attempt-failed db 1 00:01:00", "attempt-failed db 2 00:02:00", "attempt-failed db 3 00:03:00"], observer.Where("attempt-failed"));
        Assert.Equal(["failed db 4"], observer.Where("failed db"));
        Assert.Equal(["succeeded db"], observer.Where("succeeded"));
    }

    [Fact]
    public async Task Shutdown_lets_a_run_finish_within_the_grace_period()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Duration = TimeSpan.FromMinutes(3) };
        var observer = new RecordingObserver();
        var scheduler = new Scheduler([Hourly()], runner, new Dictionary<string, ComponentHistory>(), observer, clock, TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var running = scheduler.RunAsync(stop.Token);
        await clock.RunUntilAsync(At(27, 1, 1), waiters: 1);
        await stop.CancelAsync();
        await DrainAsync(clock, running);

        Assert.Equal(["succeeded db"], observer.Where("succeeded"));
        Assert.Empty(observer.Where("interrupted"));
        Assert.Single(runner.Attempts);
    }

    [Fact]
    public async Task Shutdown_cancels_a_run_still_going_after_the_grace_period()
    {
        var clock = new ManualTimeProvider(Start);
        var runner = new ScriptedRunner(clock) { Duration = TimeSpan.FromMinutes(30) };
        var observer = new RecordingObserver();
        var scheduler = new Scheduler([Hourly()], runner, new Dictionary<string, ComponentHistory>(), observer, clock, TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var running = scheduler.RunAsync(stop.Token);
        await clock.RunUntilAsync(At(27, 1, 1), waiters: 1);
        await stop.CancelAsync();
        await DrainAsync(clock, running);

        Assert.Equal(["interrupted db"], observer.Where("interrupted"));
        Assert.Empty(observer.Where("succeeded"));
        Assert.Empty(runner.Attempts);
        Assert.True(clock.GetUtcNow() < At(27, 1, 30));
    }
}
