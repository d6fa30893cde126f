using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Runs;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>
/// Runs one component for the daemon through the plan's <see cref="PlanRunner"/> (hooks, backup, retention, offsite
/// copy, and a run record with trigger "schedule" stored in the repository), then reads the component's snapshot count
/// and the new snapshot's size for the metrics.
/// </summary>
public sealed class PlanComponentRunner(BackupPlan plan, ComponentKinds kinds, TimeProvider clock) : Scheduling.IComponentRunner
{
    /// <inheritdoc />
    public async Task<RunResult> RunAsync(string component, DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var report = await new PlanRunner(plan, kinds, clock) { Trigger = "schedule" }.RunAsync([component], cancellationToken);
        var record = report.Runs.Single(r => r.Component == component);
        // The plan runner records an interrupted run as failed; for the scheduler it was cancelled, not failed.
        cancellationToken.ThrowIfCancellationRequested();
        if (record.Outcome != RunRecord.Success)
        {
            throw new InvalidOperationException(record.Error ?? $"the run ended '{record.Outcome}'");
        }
        if (report.UnrecordedErrors.Count > 0)
        {
            throw new InvalidOperationException($"the backup succeeded (snapshot {record.Snapshot?[..8]}) but {string.Join("; ", report.UnrecordedErrors)}");
        }
        await using var opened = await OpenedRepository.OpenAsync(plan.Repositories[plan.Component(component).Repository], loadIndex: false, locking: null, "serve", cancellationToken);
        var snapshots = (await opened.Repository.LoadSnapshotsAsync(cancellationToken)).Where(s => s.Snapshot.Component == component).ToList();
        var size = snapshots.FirstOrDefault(s => s.Id.ToString() == record.Snapshot).Snapshot?.Summary?.TotalBytes ?? record.BytesRead;
        return new RunResult(record.BytesRead, record.BytesStored, size, snapshots.Count, record.Snapshot?[..8]);
    }
}
