namespace Lifeboat.Server.Scheduling;

/// <summary>What the repository remembers of a component when the daemon starts (from its run records and snapshots).</summary>
/// <param name="LastRun">When the last run (of any outcome) started, or null when it never ran.</param>
/// <param name="LastSuccess">When the last successful backup was taken, or null.</param>
/// <param name="Snapshots">Snapshots of the component in the repository, or null when unknown.</param>
/// <param name="RecentSizes">Sizes of the recent successful backups, oldest first (for the size median).</param>
/// <param name="LastFailure">
/// When the newest run ended, if it failed and no backup was taken since (<see cref="Runs.RunRecord.UnresolvedFailure"/>); else null.
/// </param>
/// <param name="LastError">That failed run's error.</param>
public sealed record ComponentHistory(DateTimeOffset? LastRun, DateTimeOffset? LastSuccess, int? Snapshots, IReadOnlyList<long> RecentSizes,
    DateTimeOffset? LastFailure = null, string? LastError = null)
{
    /// <summary>A component that never ran.</summary>
    public static ComponentHistory None { get; } = new(null, null, null, []);
}
