namespace Lifeboat.Server.Alerts;

/// <summary>The thresholds of the rendered alert rules that the plan does not give.</summary>
public sealed record AlertRuleOptions
{
    /// <summary>How far the last run's size may stray from the recent median, as a fraction of the median.</summary>
    public double SizeChange { get; init; } = 0.5;

    /// <summary>The window over which an increase of the failure counter fires the failure alert.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>For a component without an RPO: how long the daemon may run without a success before it alerts.</summary>
    public TimeSpan DefaultStartupWindow { get; init; } = TimeSpan.FromHours(25);
}
