namespace Lifeboat.Tests.Server;

/// <summary>
/// A clock with timers that fire only when a test moves it: <see cref="RunUntilAsync"/> jumps from one timer to the
/// next once the code under test is quiet (has as many pending timers as it has independent waiters).
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Timers waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    /// <summary>When the next timer fires, or null.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count == 0 ? null : _timers.Min(t => t.Due);
            }
        }
    }

    /// <summary>Waits (in real time, bounded) until at least <paramref name="count"/> timers are pending.</summary>
    public async Task WaitForTimersAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (PendingTimers < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"expected {count} pending timers, have {PendingTimers}");
            }
            await Task.Delay(1);
        }
    }

    /// <summary>Moves the clock to <paramref name="to"/>, firing due timers in order, each at its own time.</summary>
    public void AdvanceTo(DateTimeOffset to)
    {
        while (true)
        {
            ManualTimer? timer;
            lock (_lock)
            {
                timer = _timers.Where(t => t.Due <= to).OrderBy(t => t.Due).FirstOrDefault();
                if (timer is null)
                {
                    if (to > _now)
                    {
                        _now = to;
                    }
                    return;
                }
                if (timer.Due > _now)
                {
                    _now = timer.Due;
                }
                _timers.Remove(timer);
                if (timer.Period > TimeSpan.Zero)
                {
                    timer.Due = _now + timer.Period;
                    _timers.Add(timer);
                }
            }
            timer.Fire();
        }
    }

    /// <summary>Moves the clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => AdvanceTo(GetUtcNow() + by);

    /// <summary>
    /// Runs the code under test until <paramref name="end"/>: waits until <paramref name="waiters"/> timers are pending,
    /// fires the earliest, and again.
    /// </summary>
    public async Task RunUntilAsync(DateTimeOffset end, int waiters)
    {
        while (true)
        {
            await WaitForTimersAsync(waiters);
            var due = NextDue!.Value;
            if (due > end)
            {
                AdvanceTo(end);
                return;
            }
            AdvanceTo(due);
        }
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.Due = _now + dueTime;
                _timers.Add(timer);
            }
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            owner.Schedule(this, dueTime);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
