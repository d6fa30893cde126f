namespace Lifeboat.Plan;

/// <summary>The plan's <c>defaults:</c>: daemon settings every component has unless it sets its own.</summary>
/// <param name="CatchUp">The catch-up policy; null when the plan leaves it to the daemon.</param>
/// <param name="Retry">The retry policy; null when the plan leaves it to the daemon.</param>
public sealed record PlanDefaults(PlanCatchUp? CatchUp, PlanRetry? Retry)
{
    /// <summary>No defaults.</summary>
    public static PlanDefaults None { get; } = new(null, null);
}
