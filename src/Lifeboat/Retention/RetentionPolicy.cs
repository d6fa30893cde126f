namespace Lifeboat.Retention;

/// <summary>
/// Which snapshots to keep, restic-style: the newest <see cref="Last"/>; the newest in each of the last N hours, days,
/// ISO weeks, months and years; all within a calendar span of the newest; all carrying one of <see cref="Tags"/>.
/// A snapshot is kept when any rule keeps it. Buckets are calendar periods in <see cref="TimeZone"/> (UTC by default).
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>Keep the newest N.</summary>
    public int Last { get; init; }
    /// <summary>Keep the newest in each of the last N hours that have snapshots.</summary>
    public int Hourly { get; init; }
    /// <summary>… days.</summary>
    public int Daily { get; init; }
    /// <summary>… ISO weeks.</summary>
    public int Weekly { get; init; }
    /// <summary>… months.</summary>
    public int Monthly { get; init; }
    /// <summary>… years.</summary>
    public int Yearly { get; init; }
    /// <summary>Keep everything within this span of the newest snapshot (e.g. "30d", "1y6m", "12h").</summary>
    public CalendarSpan? Within { get; init; }
    /// <summary>Keep every snapshot carrying one of these tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>The time zone whose calendar defines hours, days, weeks, months and years.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Whether any rule is set; a policy without one would remove everything and is refused.</summary>
    public bool IsEmpty => Last == 0 && Hourly == 0 && Daily == 0 && Weekly == 0 && Monthly == 0 && Yearly == 0 && Within is null && Tags.Count == 0;
}
