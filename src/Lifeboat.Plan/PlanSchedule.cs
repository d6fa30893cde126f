using Lifeboat.Plan.Cron;

namespace Lifeboat.Plan;

/// <summary>When a component is backed up: a cron schedule in a time zone (UTC unless given), and the tags of runs on calendar boundaries.</summary>
public sealed record PlanSchedule(CronSchedule Cron, TimeZoneInfo TimeZone)
{
    /// <summary>The tags runs get on weekly and monthly days (<c>tags:</c>); none by default.</summary>
    public ScheduleTags Tags { get; init; } = ScheduleTags.None;

    /// <summary>The next run strictly after <paramref name="after"/> (see <see cref="CronSchedule.Next"/>).</summary>
    public DateTimeOffset Next(DateTimeOffset after) => Cron.Next(after, TimeZone);

    /// <summary>The tags of a run dated <paramref name="when"/>, its day taken in the schedule's time zone (see <see cref="ScheduleTags"/>).</summary>
    public IReadOnlyList<string> TagsAt(DateTimeOffset when) => Tags.On(TimeZoneInfo.ConvertTime(when, TimeZone).DateTime);

    /// <inheritdoc />
    public override string ToString() => $"{Cron.Text} {TimeZone.Id}";
}
