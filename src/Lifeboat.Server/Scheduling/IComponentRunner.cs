namespace Lifeboat.Server.Scheduling;

/// <summary>Runs one component's backup once (the plan's executor, behind a small interface the scheduler owns).</summary>
public interface IComponentRunner
{
    /// <summary>
    /// Backs up <paramref name="component"/> for the occurrence <paramref name="scheduledFor"/>; throws when the run
    /// failed, in which case nothing was committed. Cancellation aborts the run without committing a snapshot.
    /// </summary>
    Task<RunResult> RunAsync(string component, DateTimeOffset scheduledFor, CancellationToken cancellationToken);
}
