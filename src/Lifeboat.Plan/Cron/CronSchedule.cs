namespace Lifeboat.Plan.Cron;

/// <summary>
/// A five-field cron schedule (minute, hour, day of month, month, day of week) with Vixie cron's semantics: lists,
/// ranges, steps, month and weekday names, 0 or 7 for Sunday, and the rule that when both day of month and day of
/// week are restricted (neither starts with <c>*</c>) a day matching either runs. Also <c>@hourly</c>,
/// <c>@daily</c>/<c>@midnight</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>/<c>@annually</c>.
/// Times are wall-clock times in a time zone; see <see cref="Next"/> for daylight-saving changes.
/// </summary>
public sealed class CronSchedule
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@hourly"] = "0 * * * *", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *", ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *", ["@yearly"] = "0 0 1 1 *", ["@annually"] = "0 0 1 1 *",
    };

    private static readonly Dictionary<string, int> MonthNames = new()
    {
        ["JAN"] = 1, ["FEB"] = 2, ["MAR"] = 3, ["APR"] = 4, ["MAY"] = 5, ["JUN"] = 6,
        ["JUL"] = 7, ["AUG"] = 8, ["SEP"] = 9, ["OCT"] = 10, ["NOV"] = 11, ["DEC"] = 12,
    };

    private static readonly Dictionary<string, int> DayNames = new()
    {
        ["SUN"] = 0, ["MON"] = 1, ["TUE"] = 2, ["WED"] = 3, ["THU"] = 4, ["FRI"] = 5, ["SAT"] = 6,
    };

    private readonly CronField _minute;
    private readonly CronField _hour;
    private readonly CronField _dayOfMonth;
    private readonly CronField _month;
    private readonly CronField _dayOfWeek;

    private CronSchedule(string text, CronField[] fields)
    {
        Text = text;
        (_minute, _hour, _dayOfMonth, _month, _dayOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>
    /// Parses an expression; throws <see cref="CronFormatException"/> naming the field and its offset when it is wrong.
    /// </summary>
    public static CronSchedule Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('@'))
        {
            if (!Macros.TryGetValue(trimmed, out var expanded))
            {
                throw new CronFormatException($"unknown cron macro '{trimmed}': use @hourly, @daily, @weekly, @monthly or @yearly", 0, 0);
            }
            return new CronSchedule(trimmed, Fields(expanded));
        }
        return new CronSchedule(trimmed, Fields(text));
    }

    private static CronField[] Fields(string text)
    {
        var parts = new List<(string Text, int Offset)>();
        for (var i = 0; i < text.Length;)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            parts.Add((text[start..i], start));
        }
        if (parts.Count != 5)
        {
            throw new CronFormatException(
                $"a cron expression has 5 fields (minute hour day-of-month month day-of-week), '{text.Trim()}' has {parts.Count}; e.g. \"0 2 * * *\" for 02:00 every day",
                0, 0);
        }
        return
        [
            CronField.Parse(parts[0].Text, 1, parts[0].Offset, "minute", 0, 59),
            CronField.Parse(parts[1].Text, 2, parts[1].Offset, "hour", 0, 23),
            CronField.Parse(parts[2].Text, 3, parts[2].Offset, "day of month", 1, 31),
            CronField.Parse(parts[3].Text, 4, parts[3].Offset, "month", 1, 12, MonthNames),
            CronField.Parse(parts[4].Text, 5, parts[4].Offset, "day of week", 0, 7, DayNames),
        ];
    }

    /// <summary>
    /// The first run strictly after <paramref name="after"/>, in <paramref name="zone"/>'s wall-clock time. Across a
    /// daylight-saving gap, a run whose wall-clock time does not exist happens when the gap ends (02:30 on a day
    /// the clock jumps from 02:00 to 03:00 runs at 03:00). Across an overlap, a run at a fixed hour happens once, at
    /// the first of the two instants; a run every hour (hour field <c>*</c>) happens at both.
    /// </summary>
    public DateTimeOffset Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var candidate = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        if (zone.IsAmbiguousTime(local))
        {
            // The wall clock alone cannot tell the two passes through a repeated hour apart: search from the start of
            // the repeated hour and let the comparison with the instant decide.
            candidate = candidate.AddMinutes(-1);
            while (zone.IsAmbiguousTime(candidate.AddMinutes(-1)))
            {
                candidate = candidate.AddMinutes(-1);
            }
        }
        // Every schedule runs at least once in 8 years (29 February on a given weekday recurs within 28 years, but
        // with the OR rule and any month field a match comes far sooner); the bound only stops a bug from spinning.
        var limit = candidate.AddYears(30);
        // Two sequences, each increasing with the wall-clock time: the first pass through every time (a time in a gap
        // moved to the gap's end), and, for schedules that run every hour, the second pass through repeated times.
        // The second pass of an earlier wall-clock time can come before the first pass of a later one, so the scan
        // keeps the first second-pass instant after `after` and returns whichever comes first.
        DateTimeOffset? secondPass = null;
        while (candidate < limit)
        {
            var wall = NextWallClock(candidate, limit);
            if (wall is null)
            {
                break;
            }
            var time = wall.Value;
            DateTimeOffset firstPass;
            if (zone.IsInvalidTime(time))
            {
                var end = time;
                while (zone.IsInvalidTime(end))
                {
                    end = end.AddMinutes(1);
                }
                firstPass = new DateTimeOffset(end, zone.GetUtcOffset(end));
            }
            else if (zone.IsAmbiguousTime(time))
            {
                var instants = zone.GetAmbiguousTimeOffsets(time).Select(o => new DateTimeOffset(time, o)).Order().ToList();
                firstPass = instants[0];
                if (_hour.IsStar && secondPass is null && instants[^1] > after)
                {
                    secondPass = instants[^1];
                }
            }
            else
            {
                firstPass = new DateTimeOffset(time, zone.GetUtcOffset(time));
            }
            if (firstPass > after)
            {
                return secondPass is { } second && second < firstPass ? second : firstPass;
            }
            candidate = time.AddMinutes(1);
        }
        if (secondPass is { } last)
        {
            return last;
        }
        throw new InvalidOperationException($"the cron schedule '{Text}' never runs (e.g. 30 February); fix the day of month or month");
    }

    /// <summary>
    /// Whether the schedule runs on some day that <paramref name="day"/> accepts, looked for over four whole years (every
    /// weekday of every date, leap days included).
    /// </summary>
    public bool RunsOnSomeDay(Func<DateTime, bool> day)
    {
        var start = new DateTime(2024, 1, 1);
        for (var d = start; d < start.AddYears(4); d = d.AddDays(1))
        {
            if (day(d) && DayMatches(d))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether a wall-clock day matches: Vixie's OR of day of month and day of week when both are restricted.</summary>
    private bool DayMatches(DateTime day)
    {
        if (!_month.Contains(day.Month))
        {
            return false;
        }
        var dow = (int)day.DayOfWeek;
        var byWeekday = _dayOfWeek.Contains(dow) || (dow == 0 && _dayOfWeek.Contains(7));
        var byDate = _dayOfMonth.Contains(day.Day);
        return _dayOfMonth.IsStar || _dayOfWeek.IsStar ? byWeekday && byDate : byWeekday || byDate;
    }

    private DateTime? NextWallClock(DateTime from, DateTime limit)
    {
        var day = from.Date;
        var hour = from.Hour;
        var minute = from.Minute;
        while (day < limit)
        {
            if (DayMatches(day))
            {
                for (var h = _hour.NextFrom(hour); h >= 0; h = _hour.NextFrom(h + 1))
                {
                    var m = _minute.NextFrom(h == hour ? minute : 0);
                    if (m >= 0)
                    {
                        return day.AddHours(h).AddMinutes(m);
                    }
                }
            }
            day = day.AddDays(1);
            hour = 0;
            minute = 0;
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
