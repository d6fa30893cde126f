namespace Lifeboat.Server.Scheduling;

/// <summary>Writes one line per scheduler event (the daemon's log, on stderr under systemd).</summary>
public sealed class SchedulerLog(TextWriter output, TimeProvider clock) : ISchedulerObserver
{
    /// <inheritdoc />
    public void RunStarted(string component, DateTimeOffset scheduledFor) =>
        Write($"{component}: run for {scheduledFor:u} started");

    /// <inheritdoc />
    public void AttemptFailed(string component, int attempt, Exception error, TimeSpan retryIn) =>
        Write($"{component}: attempt {attempt} failed: {error.Message}; retrying in {retryIn}");

    /// <inheritdoc />
    public void RunSucceeded(string component, RunResult result, DateTimeOffset finished, TimeSpan duration) =>
        Write($"{component}: backed up in {duration.TotalSeconds:0.0} s{(result.SnapshotId is null ? "" : $", snapshot {result.SnapshotId}")}, {result.BytesRead} bytes read, {result.BytesStored} bytes stored");

    /// <inheritdoc />
    public void RunFailed(string component, Exception error, int attempts, DateTimeOffset finished, TimeSpan duration) =>
        Write($"{component}: FAILED after {attempts} attempt(s): {error.Message}");

    /// <inheritdoc />
    public void RunInterrupted(string component) =>
        Write($"{component}: run cancelled by shutdown; nothing was committed by it");

    /// <inheritdoc />
    public void RunsSkipped(string component, int count, DateTimeOffset latest) =>
        Write($"{component}: skipped {count} missed run(s), the latest due {latest:u} (catch-up: skip)");

    private void Write(string line)
    {
        lock (output)
        {
            output.WriteLine($"{clock.GetUtcNow():u} lifeboat serve: {line}");
            output.Flush();
        }
    }
}
