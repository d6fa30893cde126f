using System.Text.RegularExpressions;

namespace Lifeboat.Retention;

/// <summary>A span in calendar units, subtracted unit by unit (a month is a calendar month, not 30 days).</summary>
public readonly record struct CalendarSpan(int Years, int Months, int Days, int Hours)
{
    private static readonly Regex Pattern = new(@"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?$", RegexOptions.CultureInvariant);

    /// <summary>Parses e.g. "1y6m", "2w", "30d", "12h"; throws <see cref="ArgumentException"/> otherwise.</summary>
    public static CalendarSpan Parse(string text)
    {
        var match = Pattern.Match(text.Trim());
        if (!match.Success || text.Trim().Length == 0)
        {
            throw new ArgumentException($"'{text}' is not a span like 30d, 2w, 6m, 1y6m or 12h (y years, m months, w weeks, d days, h hours)");
        }
        int Get(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new CalendarSpan(Get(1), Get(2), Get(3) * 7 + Get(4), Get(5));
    }

    /// <summary>The moment this span before <paramref name="time"/>.</summary>
    public DateTimeOffset Before(DateTimeOffset time) => time.AddYears(-Years).AddMonths(-Months).AddDays(-Days).AddHours(-Hours);

    /// <inheritdoc />
    public override string ToString() => $"{(Years > 0 ? $"{Years}y" : "")}{(Months > 0 ? $"{Months}m" : "")}{(Days > 0 ? $"{Days}d" : "")}{(Hours > 0 ? $"{Hours}h" : "")}";
}
