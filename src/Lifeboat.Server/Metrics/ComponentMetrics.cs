namespace Lifeboat.Server.Metrics;

/// <summary>One component's figures, as the scheduler reported them. Guarded by the owning <see cref="BackupMetrics"/>' lock.</summary>
internal sealed class ComponentMetrics(string name, TimeSpan? rpo)
{
    /// <summary>Successful runs kept for the size median.</summary>
    public const int MedianWindow = 10;

    public string Name { get; } = name;
    public TimeSpan? Rpo { get; } = rpo;
    public long Successes { get; set; }
    public long Failures { get; set; }
    public long AttemptFailures { get; set; }
    public long Skipped { get; set; }
    public long Interrupted { get; set; }
    public bool Running { get; set; }
    public DateTimeOffset? LastSuccess { get; set; }
    public DateTimeOffset? LastFailure { get; set; }
    public string? LastError { get; set; }
    /// <summary>Whether the newest run failed (and no backup was taken since); as 'lifeboat status' decides it.</summary>
    public bool LastRunFailed { get; set; }
    public long? BytesRead { get; set; }
    public long? BytesStored { get; set; }
    public long? Size { get; set; }
    public int? Snapshots { get; set; }
    public Queue<long> RecentSizes { get; } = new();
    public DurationHistogram Durations { get; } = new();

    /// <summary>Keeps the size of a successful backup for the median, dropping the oldest beyond the window.</summary>
    public void AddSize(long size)
    {
        RecentSizes.Enqueue(size);
        while (RecentSizes.Count > MedianWindow)
        {
            RecentSizes.Dequeue();
        }
    }

    /// <summary>The median size of the recent successful backups, or null before the first one.</summary>
    public double? SizeMedian()
    {
        if (RecentSizes.Count == 0)
        {
            return null;
        }
        var sorted = RecentSizes.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + (double)sorted[middle]) / 2;
    }
}
