namespace Lifeboat.Server.Scheduling;

/// <summary>
/// Told what the scheduler does (metrics, webhooks, logs). Called on the scheduler's threads: implementations return
/// quickly and do not throw.
/// </summary>
public interface ISchedulerObserver
{
    /// <summary>A run of <paramref name="component"/> for the occurrence <paramref name="scheduledFor"/> starts.</summary>
    void RunStarted(string component, DateTimeOffset scheduledFor);

    /// <summary>Attempt <paramref name="attempt"/> failed; another follows after <paramref name="retryIn"/>.</summary>
    void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn);

    /// <summary>The run succeeded.</summary>
    void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration);

    /// <summary>Every attempt failed: the run counts as failed; <paramref name="error"/> is the last attempt's.</summary>
    void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration);

    /// <summary>The run was stopped by shutdown before it finished; nothing was committed by it.</summary>
    void RunInterrupted(string component);

    /// <summary><paramref name="count"/> missed occurrences were skipped (catch-up policy skip).</summary>
    void RunsSkipped(string component, int count, DateTimeOffset latest);
}
