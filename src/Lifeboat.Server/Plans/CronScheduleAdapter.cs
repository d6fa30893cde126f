using Lifeboat.Plan;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>A plan's schedule (cron in a time zone) as the scheduler's <see cref="ISchedule"/>.</summary>
public sealed class CronScheduleAdapter(PlanSchedule schedule) : ISchedule
{
    /// <inheritdoc />
    public string Description => schedule.ToString();

    /// <inheritdoc />
    public DateTimeOffset? Next(DateTimeOffset after) => schedule.Next(after);
}
