namespace Lifeboat.Server.Scheduling;

/// <summary>What the scheduler does with occurrences missed while the daemon was down or a run overran.</summary>
public enum CatchUpPolicy
{
    /// <summary>Run once, right away, for all missed occurrences together.</summary>
    Once,

    /// <summary>Drop the missed occurrences and wait for the next one.</summary>
    Skip,
}
