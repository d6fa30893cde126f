using Lifeboat.Plan.Cron;

namespace Lifeboat.Plan;

/// <summary>When a component is backed up: a cron schedule in a time zone (UTC unless given).</summary>
public sealed record PlanSchedule(CronSchedule Cron, TimeZoneInfo TimeZone)
{
    /// <summary>The next run strictly after <paramref name="after"/> (see <see cref="CronSchedule.Next"/>).</summary>
    public DateTimeOffset Next(DateTimeOffset after) => Cron.Next(after, TimeZone);

    /// <inheritdoc />
    public override string ToString() => $"{Cron.Text} {TimeZone.Id}";
}
