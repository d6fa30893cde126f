using Lifeboat.Plan.Cron;

namespace Lifeboat.Tests.Plan;

/// <summary>The cron parser: Vixie semantics, and the next run across daylight-saving changes.</summary>
public sealed class CronScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static List<DateTimeOffset> Runs(string cron, TimeZoneInfo zone, DateTimeOffset after, int count)
    {
        var schedule = CronSchedule.Parse(cron);
        var runs = new List<DateTimeOffset>();
        for (var i = 0; i < count; i++)
        {
            after = schedule.Next(after, zone);
            runs.Add(after);
        }
        return runs;
    }

    [Theory]
    [InlineData("0 2 * * *", "2026-03-10T10:00:00", "2026-03-11T02:00:00")]
    [InlineData("*/15 * * * *", "2026-03-10T10:07:30", "2026-03-10T10:15:00")]
    [InlineData("*/15 * * * *", "2026-03-10T10:15:00", "2026-03-10T10:30:00")]
    [InlineData("0 2 * * SUN", "2026-03-10T10:00:00", "2026-03-15T02:00:00")]
    [InlineData("0 2 * * 7", "2026-03-10T10:00:00", "2026-03-15T02:00:00")]
    [InlineData("30 4 1,15 * *", "2026-03-02T00:00:00", "2026-03-15T04:30:00")]
    [InlineData("0 0 1 jan-mar/2 *", "2026-01-01T00:00:00", "2026-03-01T00:00:00")]
    [InlineData("5-10/5 9-17 * * MON-FRI", "2026-03-13T17:10:00", "2026-03-16T09:05:00")]
    [InlineData("0 12 29 2 *", "2026-03-01T00:00:00", "2028-02-29T12:00:00")]
    [InlineData("@hourly", "2026-03-10T10:00:00", "2026-03-10T11:00:00")]
    [InlineData("@daily", "2026-03-10T10:00:00", "2026-03-11T00:00:00")]
    [InlineData("@weekly", "2026-03-10T10:00:00", "2026-03-15T00:00:00")]
    [InlineData("@monthly", "2026-03-10T10:00:00", "2026-04-01T00:00:00")]
    [InlineData("@yearly", "2026-03-10T10:00:00", "2027-01-01T00:00:00")]
    [InlineData("0 0 5/20 * *", "2026-03-06T00:00:00", "2026-03-25T00:00:00")]
    public void Next_run_in_UTC_follows_the_fields(string cron, string after, string expected) =>
        Assert.Equal(Utc(expected), CronSchedule.Parse(cron).Next(Utc(after), TimeZoneInfo.Utc));

    [Fact]
    public void Day_of_month_and_day_of_week_both_restricted_run_on_either()
    {
        // Vixie: "0 0 13 * FRI" runs on every 13th and on every Friday, not only on Friday the 13th.
        var runs = Runs("0 0 13 * FRI", TimeZoneInfo.Utc, Utc("2026-03-01T00:00:00"), 4);
        Assert.Equal([Utc("2026-03-06T00:00:00"), Utc("2026-03-13T00:00:00"), Utc("2026-03-20T00:00:00"), Utc("2026-03-27T00:00:00")], runs);
        var tuesdays = Runs("0 0 13 * TUE", TimeZoneInfo.Utc, Utc("2026-03-01T00:00:00"), 3);
        Assert.Equal([Utc("2026-03-03T00:00:00"), Utc("2026-03-10T00:00:00"), Utc("2026-03-13T00:00:00")], tuesdays);
    }

    [Fact]
    public void A_star_in_day_of_month_makes_day_of_week_alone_decide()
    {
        var runs = Runs("0 0 */2 * MON", TimeZoneInfo.Utc, Utc("2026-03-01T00:00:00"), 2);
        // */2 starts with '*', so the AND rule applies: Mondays that are odd days of the month (1, 3, ... 31).
        Assert.Equal([Utc("2026-03-09T00:00:00"), Utc("2026-03-23T00:00:00")], runs);
    }

    [Fact]
    public void Daily_run_keeps_its_wall_clock_time_in_the_time_zone_across_DST()
    {
        var runs = Runs("0 2 * * *", Berlin, Utc("2026-03-27T12:00:00"), 4);
        // 28 March 02:00 CET = 01:00Z; on 29 March 02:00 does not exist (clocks jump to 03:00 CEST = 01:00Z);
        // then 02:00 CEST = 00:00Z.
        Assert.Equal([Utc("2026-03-28T01:00:00"), Utc("2026-03-29T01:00:00"), Utc("2026-03-30T00:00:00"), Utc("2026-03-31T00:00:00")], runs);
    }

    [Fact]
    public void A_run_inside_the_spring_forward_gap_happens_once_when_the_gap_ends()
    {
        var runs = Runs("30 2 * * *", Berlin, Utc("2026-03-28T12:00:00"), 2);
        Assert.Equal([Utc("2026-03-29T01:00:00"), Utc("2026-03-30T00:30:00")], runs);
        // Every 15 minutes: 01:45 CET, then 03:00 CEST (the gap's end, once), 03:15 CEST.
        var quarter = Runs("*/15 * * * *", Berlin, Utc("2026-03-29T00:40:00"), 3);
        Assert.Equal([Utc("2026-03-29T00:45:00"), Utc("2026-03-29T01:00:00"), Utc("2026-03-29T01:15:00")], quarter);
    }

    [Fact]
    public void A_fixed_time_in_the_repeated_hour_runs_once_at_its_first_occurrence()
    {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
        var runs = Runs("30 2 * * *", Berlin, Utc("2026-10-24T12:00:00"), 2);
        Assert.Equal([Utc("2026-10-25T00:30:00"), Utc("2026-10-26T01:30:00")], runs);
        // Asked from inside the second pass, the next run is the next day.
        Assert.Equal(Utc("2026-10-26T01:30:00"), CronSchedule.Parse("30 2 * * *").Next(Utc("2026-10-25T01:10:00"), Berlin));
    }

    [Fact]
    public void An_hourly_run_happens_in_both_passes_of_the_repeated_hour()
    {
        var runs = Runs("30 * * * *", Berlin, Utc("2026-10-24T23:00:00"), 4);
        // 01:30 CEST, 02:30 CEST, 02:30 CET, 03:30 CET: one run per real hour.
        Assert.Equal([Utc("2026-10-24T23:30:00"), Utc("2026-10-25T00:30:00"), Utc("2026-10-25T01:30:00"), Utc("2026-10-25T02:30:00")], runs);
        var onTheHour = Runs("0 * * * *", Berlin, Utc("2026-10-25T00:30:00"), 2);
        Assert.Equal([Utc("2026-10-25T01:00:00"), Utc("2026-10-25T02:00:00")], onTheHour);
    }

    [Fact]
    public void New_York_changes_are_handled_as_well()
    {
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00Z); 1 November 2026: 02:00 EDT falls back to 01:00 EST.
        Assert.Equal(Utc("2026-03-08T07:00:00"), CronSchedule.Parse("15 2 * * *").Next(Utc("2026-03-08T05:00:00"), NewYork));
        Assert.Equal([Utc("2026-11-01T05:30:00"), Utc("2026-11-02T06:30:00")], Runs("30 1 * * *", NewYork, Utc("2026-10-31T12:00:00"), 2));
    }

    [Theory]
    [InlineData("0 2 * * *", 365)]
    [InlineData("30 1-3 * * *", 365 * 3)]
    // 9 runs an hour; the spring day has 23 hours (the gap's runs move to 03:00, which runs anyway), the autumn day
    // 25; the year's first run, at midnight, is the starting point itself and not counted.
    [InlineData("*/7 * * * *", 363 * 216 + 23 * 9 + 25 * 9 - 1)]
    public void Over_a_year_of_DST_changes_runs_strictly_increase_and_none_is_lost_or_doubled(string cron, int expected)
    {
        var schedule = CronSchedule.Parse(cron);
        var at = Utc("2025-12-31T23:00:00");
        var end = Utc("2026-12-31T23:00:00");
        var count = 0;
        while (true)
        {
            var next = schedule.Next(at, Berlin);
            Assert.True(next > at, $"{cron}: {next:o} after {at:o}");
            if (next >= end)
            {
                break;
            }
            count++;
            at = next;
        }
        Assert.Equal(expected, count);
    }

    [Theory]
    [InlineData("0 2 * *", 0, "5 fields")]
    [InlineData("60 2 * * *", 1, "cron field 1 (minute) value 60 out of range 0-59")]
    [InlineData("0 24 * * *", 2, "out of range 0-23")]
    [InlineData("0 2 32 * *", 3, "cron field 3 (day of month) value 32 out of range 1-31")]
    [InlineData("0 2 * 13 *", 4, "out of range 1-12")]
    [InlineData("0 2 * * 8", 5, "out of range 0-7")]
    [InlineData("0 2 * * FUN", 5, "not a number")]
    [InlineData("*/0 * * * *", 1, "invalid step")]
    [InlineData("0 5-2 * * *", 2, "backwards range")]
    [InlineData("0 1,,2 * * *", 2, "empty list item")]
    [InlineData("@reboot", 0, "unknown cron macro")]
    public void Malformed_expressions_name_the_field(string cron, int field, string message)
    {
        var e = Assert.Throws<CronFormatException>(() => CronSchedule.Parse(cron));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_that_never_runs_is_reported()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CronSchedule.Parse("0 0 30 2 *").Next(Utc("2026-01-01T00:00:00"), TimeZoneInfo.Utc));
        Assert.Contains("never runs", e.Message, StringComparison.Ordinal);
    }
}
