using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Plan;

/// <summary>
/// Durations in the plan (RPO, RTO): a number and a unit, combined largest first: <c>25h</c>, <c>15m</c>,
/// <c>7d</c>, <c>1h30m</c>, <c>2w</c>, <c>90s</c>. Here <c>m</c> is minutes (in <c>keep-within</c> it is months).
/// </summary>
public static partial class PlanDuration
{
    [GeneratedRegex(@"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses a duration; returns false for anything else, including zero.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || text.Trim().Length == 0)
        {
            return false;
        }
        long Get(int group) => match.Groups[group].Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = (((Get(1) * 7 + Get(2)) * 24 + Get(3)) * 60 + Get(4)) * 60 + Get(5);
        if (seconds <= 0 || seconds > TimeSpan.FromDays(3650).TotalSeconds)
        {
            return false;
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Formats a duration the way the plan writes it: whole days as <c>7d</c>, else hours and minutes (<c>25h</c>, <c>1h30m</c>).</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(-duration);
        }
        if (duration.Ticks % TimeSpan.TicksPerDay == 0 && duration > TimeSpan.Zero)
        {
            return $"{duration.Days}d";
        }
        var hours = (long)duration.TotalHours;
        var text = hours > 0 ? $"{hours}h" : "";
        if (duration.Minutes > 0)
        {
            text += $"{duration.Minutes}m";
        }
        if (duration.Seconds > 0 || text.Length == 0)
        {
            text += $"{duration.Seconds}s";
        }
        return text;
    }
}
