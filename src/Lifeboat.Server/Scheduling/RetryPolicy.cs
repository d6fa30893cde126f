namespace Lifeboat.Server.Scheduling;

/// <summary>
/// How often a failed run is tried again before it counts as failed: attempt <c>n</c> (from 2) waits
/// <c>min(InitialDelay * 2^(n-2), MaxDelay)</c> after attempt <c>n-1</c> failed.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Attempts in all, the first included; at least 1.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait before the second attempt.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The default: three attempts, one and two minutes apart.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>The wait after failed attempt <paramref name="failedAttempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        var factor = Math.Pow(2, Math.Min(failedAttempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
        return delay;
    }
}
