namespace Lifeboat.Plan;

/// <summary>
/// How the daemon retries a failed run (<c>retry: { attempts: N, delay: 1m }</c>); a field left out is null and taken
/// from the plan's <c>defaults:</c>, then from the daemon's own default.
/// </summary>
/// <param name="Attempts">Attempts in all, the first included (1 to <see cref="MaxAttempts"/>).</param>
/// <param name="Delay">The wait after the first failed attempt, doubled after each further one.</param>
public sealed record PlanRetry(int? Attempts, TimeSpan? Delay)
{
    /// <summary>The most attempts a plan may ask for.</summary>
    public const int MaxAttempts = 100;

    /// <summary>This retry with the fields it leaves out taken from <paramref name="fallback"/>.</summary>
    public PlanRetry Over(PlanRetry? fallback) => new(Attempts ?? fallback?.Attempts, Delay ?? fallback?.Delay);
}
