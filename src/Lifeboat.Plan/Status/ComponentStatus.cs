using Lifeboat.Runs;

namespace Lifeboat.Plan.Status;

/// <summary>
/// Where one component stands against its targets, read from its repository alone (snapshots and run records), so
/// any host can tell, even after the one that ran the backups is gone.
/// </summary>
public sealed record ComponentStatus
{
    /// <summary>The component.</summary>
    public required string Component { get; init; }
    /// <summary>Its kind.</summary>
    public required string Kind { get; init; }
    /// <summary>Its repository's name.</summary>
    public required string Repository { get; init; }
    /// <summary>When the newest snapshot was taken; null when there is none.</summary>
    public DateTimeOffset? LastSuccess { get; init; }
    /// <summary>The newest snapshot's ID (hex).</summary>
    public string? LastSnapshot { get; init; }
    /// <summary>How old the newest snapshot is now.</summary>
    public TimeSpan? Age { get; init; }
    /// <summary>The RPO target; null when the plan sets none.</summary>
    public TimeSpan? Rpo { get; init; }
    /// <summary>The RTO target; null when the plan sets none.</summary>
    public TimeSpan? Rto { get; init; }
    /// <summary>Whether the RPO target is met (true when there is no target but a snapshot exists or no target at all).</summary>
    public bool RpoMet { get; init; }
    /// <summary>How many snapshots the component has.</summary>
    public int Snapshots { get; init; }
    /// <summary>Bytes its snapshots added to the repository when they were made (the sum of their stored bytes).</summary>
    public long StoredBytes { get; init; }
    /// <summary>The newest run record.</summary>
    public RunRecord? LastRun { get; init; }
    /// <summary>The newest run record that is not a success.</summary>
    public RunRecord? LastFailure { get; init; }
    /// <summary>
    /// Whether the component's newest run failed (or was skipped) and no backup has been taken since
    /// (<see cref="RunRecord.UnresolvedFailure"/>): its backups stopped working, even while the RPO is still met.
    /// </summary>
    public bool LastRunFailed { get; init; }
    /// <summary>The next scheduled run; null without a schedule.</summary>
    public DateTimeOffset? NextRun { get; init; }
    /// <summary>The health of its continuous archive (PostgreSQL WAL of a physical component); null when it has none.</summary>
    public ArchiveHealth? Archive { get; init; }
    /// <summary>Why the status could not be read (the repository could not be opened), if so.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// "unknown" (unreadable), "breached" (older than the RPO, or never backed up with a target), "failed" (within
    /// the RPO, but the newest run failed: <see cref="LastRunFailed"/>), or "ok".
    /// </summary>
    public string State => Error is not null ? "unknown" : !RpoMet ? "breached" : LastRunFailed ? "failed" : "ok";
}
