namespace Lifeboat.Server.Scheduling;

/// <summary>Tells several observers, in order, what the scheduler does.</summary>
public sealed class SchedulerObservers(params IReadOnlyList<ISchedulerObserver> observers) : ISchedulerObserver
{
    /// <inheritdoc />
    public void RunStarted(string component, DateTimeOffset scheduledFor)
    {
        foreach (var o in observers) { o.RunStarted(component, scheduledFor); }
    }

    /// <inheritdoc />
    public void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn)
    {
        foreach (var o in observers) { o.AttemptFailed(component, attempt, error, retryIn); }
    }

    /// <inheritdoc />
    public void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration)
    {
        foreach (var o in observers) { o.RunSucceeded(component, result, finished, duration); }
    }

    /// <inheritdoc />
    public void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration)
    {
        foreach (var o in observers) { o.RunFailed(component, error, attempts, finished, duration); }
    }

    /// <inheritdoc />
    public void RunInterrupted(string component)
    {
        foreach (var o in observers) { o.RunInterrupted(component); }
    }

    /// <inheritdoc />
    public void RunsSkipped(string component, int count, DateTimeOffset latest)
    {
        foreach (var o in observers) { o.RunsSkipped(component, count, latest); }
    }
}
