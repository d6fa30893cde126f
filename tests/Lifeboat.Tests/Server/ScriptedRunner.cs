using System.Collections.Concurrent;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

/// <summary>
/// A component runner whose runs take <see cref="Duration"/> on the test clock and fail when <see cref="Fails"/>
/// says so; it records every attempt and the most runs of one component ever in flight at once.
/// </summary>
internal sealed class ScriptedRunner(TimeProvider clock) : IComponentRunner
{
    private readonly ConcurrentDictionary<string, int> _active = new();
    private int _maxConcurrent;

    public sealed record Attempt(string Component, DateTimeOffset ScheduledFor, DateTimeOffset Started, DateTimeOffset Ended, bool Failed);

    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Given the 1-based number of the component's attempt, whether it fails.</summary>
    public Func<int, bool> Fails { get; set; } = _ => false;

    /// <summary>Given the 1-based number of the component's attempt, what it reports.</summary>
    public Func<int, RunResult> ResultOf { get; set; } = _ => new(1000, 100, 5000, 1, "abcd1234");

    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    private readonly ConcurrentDictionary<string, int> _counts = new();

    public async Task<RunResult> RunAsync(string component, DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var number = _counts.AddOrUpdate(component, 1, (_, n) => n + 1);
        var active = _active.AddOrUpdate(component, 1, (_, n) => n + 1);
        InterlockedMax(ref _maxConcurrent, active);
        var started = clock.GetUtcNow();
        try
        {
            await Task.Delay(Duration, clock, cancellationToken);
            var failed = Fails(number);
            Attempts.Enqueue(new Attempt(component, scheduledFor, started, clock.GetUtcNow(), failed));
            return failed ? throw new IOException($"attempt {number} of {component} failed") : ResultOf(number);
        }
        finally
        {
            _active.AddOrUpdate(component, 0, (_, n) => n - 1);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
