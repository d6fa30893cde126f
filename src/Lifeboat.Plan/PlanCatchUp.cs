namespace Lifeboat.Plan;

/// <summary>What the daemon does with scheduled runs it missed (while it was down or a run overran): <c>catch-up:</c>.</summary>
public enum PlanCatchUp
{
    /// <summary><c>once</c>: one run right away for all the missed occurrences.</summary>
    Once,

    /// <summary><c>skip</c>: drop them and wait for the next occurrence.</summary>
    Skip,
}
