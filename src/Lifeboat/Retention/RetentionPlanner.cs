using System.Globalization;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Retention;

/// <summary>
/// Applies a <see cref="RetentionPolicy"/> to snapshots, separately for each group of host, component and paths, so
/// one machine's or component's history never makes another's go.
/// </summary>
public static class RetentionPlanner
{
    /// <summary>Decides every snapshot; throws <see cref="ArgumentException"/> for an empty policy.</summary>
    public static List<RetentionDecision> Plan(IEnumerable<(Digest Id, Snapshot Snapshot)> snapshots, RetentionPolicy policy)
    {
        if (policy.IsEmpty)
        {
            throw new ArgumentException("no keep rule given (--keep-last, --keep-daily, --keep-within, --keep-tag, …); refusing to forget every snapshot");
        }
        var decisions = new List<RetentionDecision>();
        foreach (var group in snapshots.GroupBy(s => GroupOf(s.Snapshot)))
        {
            var newestFirst = group.OrderByDescending(s => s.Snapshot.Time).ThenByDescending(s => s.Id.ToString()).ToList();
            var reasons = newestFirst.Select(_ => new List<string>()).ToList();
            KeepNewest(newestFirst, reasons, policy.Last, "last", _ => null);
            KeepNewest(newestFirst, reasons, policy.Hourly, "hourly", s => Local(s, policy).ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture));
            KeepNewest(newestFirst, reasons, policy.Daily, "daily", s => Local(s, policy).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            KeepNewest(newestFirst, reasons, policy.Weekly, "weekly", s =>
            {
                var local = Local(s, policy).DateTime;
                return $"{ISOWeek.GetYear(local)}-W{ISOWeek.GetWeekOfYear(local):00}";
            });
            KeepNewest(newestFirst, reasons, policy.Monthly, "monthly", s => Local(s, policy).ToString("yyyy-MM", CultureInfo.InvariantCulture));
            KeepNewest(newestFirst, reasons, policy.Yearly, "yearly", s => Local(s, policy).ToString("yyyy", CultureInfo.InvariantCulture));
            if (policy.Within is { } within && newestFirst.Count > 0)
            {
                var cutoff = within.Before(newestFirst[0].Snapshot.Time);
                for (var i = 0; i < newestFirst.Count; i++)
                {
                    if (newestFirst[i].Snapshot.Time >= cutoff)
                    {
                        reasons[i].Add($"within {within} of the newest");
                    }
                }
            }
            for (var i = 0; i < newestFirst.Count; i++)
            {
                var tag = newestFirst[i].Snapshot.Tags.FirstOrDefault(policy.Tags.Contains);
                if (tag is not null)
                {
                    reasons[i].Add($"tag {tag}");
                }
                decisions.Add(new RetentionDecision(newestFirst[i].Id, newestFirst[i].Snapshot, group.Key, reasons[i].Count > 0, reasons[i]));
            }
        }
        return decisions;
    }

    /// <summary>The group a snapshot belongs to: host, component and paths.</summary>
    public static string GroupOf(Snapshot snapshot) => $"{snapshot.Host} {snapshot.Component} {string.Join(",", snapshot.Paths)}";

    // Walks newest first and keeps the first snapshot of each new bucket until `count` buckets are kept
    // (bucketOf returning null makes every snapshot its own bucket).
    private static void KeepNewest(List<(Digest Id, Snapshot Snapshot)> newestFirst, List<List<string>> reasons, int count, string rule,
        Func<Snapshot, string?> bucketOf)
    {
        string? lastBucket = null;
        var kept = 0;
        for (var i = 0; i < newestFirst.Count && kept < count; i++)
        {
            var bucket = bucketOf(newestFirst[i].Snapshot);
            if (bucket is null || bucket != lastBucket)
            {
                reasons[i].Add(bucket is null ? $"{rule} {kept + 1}" : $"{rule} {bucket}");
                kept++;
                lastBucket = bucket;
            }
        }
    }

    private static DateTimeOffset Local(Snapshot snapshot, RetentionPolicy policy) => TimeZoneInfo.ConvertTime(snapshot.Time, policy.TimeZone);
}
