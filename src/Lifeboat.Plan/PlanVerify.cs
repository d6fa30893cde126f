namespace Lifeboat.Plan;

/// <summary>What a restore drill checks after restoring a component: queries with their expected results, files that must exist.</summary>
public sealed record PlanVerify
{
    /// <summary>Queries run against the restored data, each with the exact text its first column must print.</summary>
    public IReadOnlyList<VerifyQuery> Queries { get; init; } = [];
    /// <summary>Paths (relative to the restored snapshot) that must be present.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}
