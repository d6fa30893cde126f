using System.Collections.Concurrent;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Runs;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>
/// Runs one component for the daemon through the plan's <see cref="PlanRunner"/> (hooks, backup, retention, offsite
/// copy, and a run record with trigger "schedule" stored in the repository), then reads the component's snapshot count
/// and the new snapshot's size for the metrics. Runs of components that share a repository (or its offsite repository)
/// take turns: retention needs the repository's exclusive lock, which another component's backup would hold shared,
/// so overlapping runs would fail each other.
/// </summary>
public sealed class PlanComponentRunner(BackupPlan plan, ComponentKinds kinds, TimeProvider clock) : Scheduling.IComponentRunner
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<RunResult> RunAsync(string component, DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var repository = plan.Repositories[plan.Component(component).Repository];
        // Taken in name order, so two runs never wait for each other's second gate.
        var gates = new SortedSet<string>(StringComparer.Ordinal) { repository.Name };
        if (repository.Offsite is { } offsite)
        {
            gates.Add(offsite);
        }
        var held = new List<SemaphoreSlim>();
        try
        {
            foreach (var name in gates)
            {
                var gate = _gates.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
                await gate.WaitAsync(cancellationToken);
                held.Add(gate);
            }
            return await RunAloneAsync(component, scheduledFor, repository, cancellationToken);
        }
        finally
        {
            foreach (var gate in held)
            {
                gate.Release();
            }
        }
    }

    private async Task<RunResult> RunAloneAsync(string component, DateTimeOffset scheduledFor, PlanRepository repository, CancellationToken cancellationToken)
    {
        var report = await new PlanRunner(plan, kinds, clock) { Trigger = "schedule", ScheduledFor = scheduledFor }.RunAsync([component], cancellationToken);
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
        await using var opened = await OpenedRepository.OpenAsync(repository, loadIndex: false, locking: null, "serve", cancellationToken);
        var listing = await opened.Repository.ListSnapshotsAsync(cancellationToken);
        listing.ThrowIfDamaged($"the backup succeeded (snapshot {record.Snapshot?[..8]}), but the repository needs attention");
        var snapshots = listing.Readable.Where(s => s.Snapshot.Component == component).ToList();
        var size = snapshots.FirstOrDefault(s => s.Id.ToString() == record.Snapshot).Snapshot?.Summary?.TotalBytes ?? record.BytesRead;
        return new RunResult(record.BytesRead, record.BytesStored, size, snapshots.Count, record.Snapshot?[..8]);
    }
}
