using Lifeboat.Crypto;
using Lifeboat.Retention;
using Lifeboat.Snapshots;

namespace Lifeboat.Tests.Retention;

public sealed class RetentionPlannerTests
{
    private static (Digest, Snapshot) At(string time, string host = "h", params string[] tags) =>
        (Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(time + host)), new Snapshot
        {
            Time = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
            Host = host,
            Paths = ["/srv"],
            Tags = tags,
        });

    private static List<(Digest, Snapshot)> EveryDay(int days, int hourUtc = 2) =>
        [.. Enumerable.Range(0, days).Select(d => At(new DateTimeOffset(2026, 1, 1, hourUtc, 0, 0, TimeSpan.Zero).AddDays(d).ToString("o")))];

    [Fact]
    public void Keep_daily_7_keeps_the_newest_seven_days()
    {
        var decisions = RetentionPlanner.Plan(EveryDay(30), new RetentionPolicy { Daily = 7 });
        var kept = decisions.Where(d => d.Keep).Select(d => d.Snapshot.Time.Day).Order().ToList();
        Assert.Equal([24, 25, 26, 27, 28, 29, 30], kept);
        Assert.All(decisions.Where(d => d.Keep), d => Assert.StartsWith("daily 2026-01-", d.Reasons[0]));
    }

    [Fact]
    public void Daily_weekly_and_monthly_rules_combine_and_each_kept_snapshot_says_why()
    {
        var decisions = RetentionPlanner.Plan(EveryDay(90), new RetentionPolicy { Daily = 3, Weekly = 2, Monthly = 3 });
        var kept = decisions.Where(d => d.Keep).ToList();
        // Days 31 Mar, 30 Mar, 29 Mar; weeks: newest of ISO week 14 (31 Mar) and week 13 (29 Mar); months Mar, Feb, Jan.
        Assert.Equal(5, kept.Count);
        var newest = kept.First(d => d.Snapshot.Time.Day == 31 && d.Snapshot.Time.Month == 3);
        Assert.Contains("daily 2026-03-31", newest.Reasons);
        Assert.Contains("monthly 2026-03", newest.Reasons);
        Assert.Contains(kept, d => d.Snapshot.Time.Month == 1 && d.Snapshot.Time.Day == 31 && d.Reasons.Contains("monthly 2026-01"));
    }

    [Fact]
    public void Buckets_follow_the_chosen_time_zone()
    {
        // 23:30 UTC on 1 Jan is already 2 Jan in Tokyo: two snapshots of one UTC day fall on two Tokyo days.
        var snapshots = new List<(Digest, Snapshot)> { At("2026-01-01T10:00:00Z"), At("2026-01-01T23:30:00Z") };
        Assert.Single(RetentionPlanner.Plan(snapshots, new RetentionPolicy { Daily = 5 }), d => d.Keep);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        Assert.Equal(2, RetentionPlanner.Plan(snapshots, new RetentionPolicy { Daily = 5, TimeZone = tokyo }).Count(d => d.Keep));
    }

    [Fact]
    public void Keep_within_counts_calendar_months_back_from_the_newest_snapshot()
    {
        var decisions = RetentionPlanner.Plan(EveryDay(90), new RetentionPolicy { Within = CalendarSpan.Parse("1m") });
        var kept = decisions.Where(d => d.Keep).Select(d => d.Snapshot.Time).ToList();
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 2, 0, 0, TimeSpan.Zero), kept.Min());
    }

    [Fact]
    public void Tags_keep_and_groups_are_decided_separately()
    {
        var snapshots = new List<(Digest, Snapshot)>
        {
            At("2026-01-01T00:00:00Z", "a", "monthly-audit"), At("2026-01-02T00:00:00Z", "a"), At("2026-01-03T00:00:00Z", "a"),
            At("2026-01-01T00:00:00Z", "b"),
        };
        var decisions = RetentionPlanner.Plan(snapshots, new RetentionPolicy { Last = 1, Tags = ["monthly-audit"] });
        Assert.Equal(3, decisions.Count(d => d.Keep)); // a's newest, a's tagged one, b's only one
        Assert.Contains(decisions, d => d.Snapshot.Host == "b" && d.Keep);
    }

    [Fact]
    public void An_empty_policy_is_refused()
    {
        Assert.Throws<ArgumentException>(() => RetentionPlanner.Plan(EveryDay(3), new RetentionPolicy()));
    }

    [Theory]
    [InlineData("30d", 0, 0, 30, 0)]
    [InlineData("2w", 0, 0, 14, 0)]
    [InlineData("1y6m", 1, 6, 0, 0)]
    [InlineData("12h", 0, 0, 0, 12)]
    public void Calendar_spans_parse(string text, int years, int months, int days, int hours)
    {
        Assert.Equal(new CalendarSpan(years, months, days, hours), CalendarSpan.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("d30")]
    [InlineData("1x")]
    public void Malformed_spans_are_refused(string text)
    {
        Assert.Throws<ArgumentException>(() => CalendarSpan.Parse(text));
    }
}
