using Lifeboat.Retention;

namespace Lifeboat.Plan;

/// <summary>
/// One thing the plan backs up (a database, a folder, a command's output) with its targets. The kind-specific
/// settings are in <see cref="Settings"/>, read by the kind's runner (see <see cref="ComponentKinds"/>).
/// </summary>
public sealed record PlanComponent
{
    /// <summary>The component name recorded in its snapshots.</summary>
    public required string Name { get; init; }
    /// <summary>The kind: files, command, postgres, redis, sqlite, bucket.</summary>
    public required string Kind { get; init; }
    /// <summary>The name of the repository it is backed up into.</summary>
    public required string Repository { get; init; }
    /// <summary>The kind-specific settings.</summary>
    public required ComponentSettings Settings { get; init; }
    /// <summary>When it runs; null when only run by hand.</summary>
    public PlanSchedule? Schedule { get; init; }
    /// <summary>Which snapshots to keep after each backup; null keeps all.</summary>
    public RetentionPolicy? Retention { get; init; }
    /// <summary>Recovery point objective: the newest successful backup must be younger than this.</summary>
    public TimeSpan? Rpo { get; init; }
    /// <summary>Recovery time objective: a restore drill must finish within this.</summary>
    public TimeSpan? Rto { get; init; }
    /// <summary>Components that are backed up before this one (in the same run).</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];
    /// <summary>Commands around backup and restore.</summary>
    public PlanHooks Hooks { get; init; } = new();
    /// <summary>What a restore drill checks.</summary>
    public PlanVerify Verify { get; init; } = new();
    /// <summary>Tags added to every snapshot.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>What the daemon does with missed runs (its own <c>catch-up:</c>, else the plan's default); null: the daemon decides.</summary>
    public PlanCatchUp? CatchUp { get; init; }
    /// <summary>How the daemon retries a failed run (its own <c>retry:</c> fields, else the plan's defaults); null: the daemon decides.</summary>
    public PlanRetry? Retry { get; init; }
    /// <summary>Where the component is defined in the plan.</summary>
    public PlanMark Mark { get; init; }
}
