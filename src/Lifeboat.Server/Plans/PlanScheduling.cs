using Lifeboat.Plan;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>Which of a plan's components the daemon schedules, and how.</summary>
public static class PlanScheduling
{
    /// <summary>
    /// The components of <paramref name="plan"/> that have a schedule (the others run only by hand), with the catch-up
    /// and retry policies given (the plan has no per-component fields for them yet).
    /// </summary>
    public static IReadOnlyList<ScheduledComponent> Components(BackupPlan plan, CatchUpPolicy catchUp, RetryPolicy retry) =>
        plan.Components
            .Where(c => c.Schedule is not null)
            .Select(c => new ScheduledComponent(c.Name, new CronScheduleAdapter(c.Schedule!), catchUp, retry, c.Rpo))
            .ToList();
}
