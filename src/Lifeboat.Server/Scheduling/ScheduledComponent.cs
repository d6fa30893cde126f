namespace Lifeboat.Server.Scheduling;

/// <summary>A component as the daemon sees it: its name, when it is due, and what to do when a run is missed or fails.</summary>
/// <param name="Name">The component's name in the plan (a metric label and the snapshot's component).</param>
/// <param name="Schedule">When it is due.</param>
/// <param name="CatchUp">What to do with missed occurrences.</param>
/// <param name="Retry">How a failed run is retried.</param>
/// <param name="Rpo">The recovery point objective: the oldest the newest backup may be; null when the plan sets none.</param>
public sealed record ScheduledComponent(string Name, ISchedule Schedule, CatchUpPolicy CatchUp, RetryPolicy Retry, TimeSpan? Rpo);
