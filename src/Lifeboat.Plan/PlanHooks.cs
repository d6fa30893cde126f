namespace Lifeboat.Plan;

/// <summary>
/// Commands around a component's backup and restore. A failing pre-backup hook fails the run before anything is read;
/// the post-backup hook runs whenever the pre-backup hook succeeded, even when the backup failed (so a stopped service
/// is started again), and its failure fails the run.
/// </summary>
public sealed record PlanHooks
{
    /// <summary>Runs before the backup.</summary>
    public HookCommand? PreBackup { get; init; }
    /// <summary>Runs after the backup.</summary>
    public HookCommand? PostBackup { get; init; }
    /// <summary>Runs before a restore (e.g. stop the service).</summary>
    public HookCommand? PreRestore { get; init; }
    /// <summary>Runs after a restore (e.g. start the service).</summary>
    public HookCommand? PostRestore { get; init; }
}
