using System.Collections.Concurrent;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Tests.Server;

/// <summary>Records what the scheduler reports, as short lines ("succeeded db", "skipped db 3", ...).</summary>
internal sealed class RecordingObserver : ISchedulerObserver
{
    public ConcurrentQueue<string> Events { get; } = new();

    public void RunStarted(string component, DateTimeOffset scheduledFor) => Events.Enqueue($"started {component} {scheduledFor:yyyy-MM-ddTHH:mm}");

    public void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn) => Events.Enqueue($"attempt-failed {component} {attempt} {retryIn}");

    public void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration) => Events.Enqueue($"succeeded {component}");

    public void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration) => Events.Enqueue($"failed {component} {attempts}");

    public void RunInterrupted(string component) => Events.Enqueue($"interrupted {component}");

    public void RunsSkipped(string component, int count, DateTimeOffset latest) => Events.Enqueue($"skipped {component} {count} {latest:yyyy-MM-ddTHH:mm}");

    public IEnumerable<string> Where(string prefix) => Events.Where(e => e.StartsWith(prefix, StringComparison.Ordinal));
}
