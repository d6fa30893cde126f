namespace Lifeboat.Plan;

/// <summary>
/// The tags a schedule gives the runs that fall on a calendar boundary (<c>schedule: { cron: ..., tags: { weekly: SUN,
/// monthly: 1 } }</c>): <see cref="WeeklyTag"/> to a run dated on <see cref="Weekly"/>, <see cref="MonthlyTag"/> to a
/// run dated on day <see cref="Monthly"/> of its month. A run is dated in the schedule's time zone, by the time it was
/// scheduled for (the daemon) or by its start (<c>backup --plan</c>).
/// </summary>
/// <param name="Weekly">The day of the week whose runs are tagged "weekly"; null for none.</param>
/// <param name="Monthly">The day of the month (1 to 28, or <see cref="LastDay"/>) whose runs are tagged "monthly"; null for none.</param>
public sealed record ScheduleTags(DayOfWeek? Weekly, int? Monthly)
{
    /// <summary>The tag of a run on the weekly day.</summary>
    public const string WeeklyTag = "weekly";

    /// <summary>The tag of a run on the monthly day.</summary>
    public const string MonthlyTag = "monthly";

    /// <summary>The value of <see cref="Monthly"/> that stands for the last day of each month (<c>monthly: last</c>).</summary>
    public const int LastDay = 0;

    /// <summary>No tags.</summary>
    public static ScheduleTags None { get; } = new(null, null);

    /// <summary>Whether a run on wall-clock day <paramref name="day"/> gets the weekly tag.</summary>
    public bool IsWeekly(DateTime day) => Weekly == day.DayOfWeek;

    /// <summary>Whether a run on wall-clock day <paramref name="day"/> gets the monthly tag.</summary>
    public bool IsMonthly(DateTime day) =>
        Monthly is { } wanted && (wanted == LastDay ? day.Day == DateTime.DaysInMonth(day.Year, day.Month) : day.Day == wanted);

    /// <summary>The tags of a run on wall-clock day <paramref name="day"/>, weekly first.</summary>
    public IReadOnlyList<string> On(DateTime day) =>
        [.. IsWeekly(day) ? [WeeklyTag] : Array.Empty<string>(), .. IsMonthly(day) ? [MonthlyTag] : Array.Empty<string>()];
}
