using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Runs;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>What each repository remembers of the plan's scheduled components (snapshots and run records), read at start.</summary>
public static class PlanHistory
{
    /// <summary>
    /// The history of every scheduled component. A repository that cannot be read leaves its components out (they wait
    /// for their next occurrence); the problem is written to <paramref name="log"/> and shown by the readiness probe.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ComponentHistory>> LoadAsync(BackupPlan plan, IReadOnlyList<ScheduledComponent> components,
        TextWriter log, CancellationToken cancellationToken)
    {
        var histories = new Dictionary<string, ComponentHistory>(StringComparer.Ordinal);
        foreach (var group in components.GroupBy(c => plan.Component(c.Name).Repository))
        {
            List<Snapshots.Snapshot> snapshots;
            List<RunRecord> runs;
            var warnings = new List<string>();
            try
            {
                await using var opened = await OpenedRepository.OpenAsync(plan.Repositories[group.Key], loadIndex: false, locking: null, "serve", cancellationToken);
                var listing = await opened.Repository.ListSnapshotsAsync(cancellationToken);
                warnings.AddRange(listing.Damaged.Select(d => $"damaged snapshot left out of the history: {d}; 'lifeboat check' reports what it affects"));
                snapshots = [.. listing.Readable.Select(s => s.Snapshot)];
                runs = await new RunLog(opened.Repository).LoadAsync(cancellationToken, warnings);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                await log.WriteLineAsync($"lifeboat serve: warning: cannot read the history of repository '{group.Key}': {e.Message}; its components wait for their next scheduled time");
                continue;
            }
            foreach (var warning in warnings)
            {
                await log.WriteLineAsync($"lifeboat serve: warning: repository '{group.Key}': {warning}");
            }
            foreach (var component in group)
            {
                var own = snapshots.Where(s => s.Component == component.Name).ToList();
                DateTimeOffset? lastSnapshot = own.Count == 0 ? null : own[^1].Time;
                var ownRuns = runs.Where(r => r.Component == component.Name).ToList();
                DateTimeOffset? lastRecord = ownRuns.Select(r => (DateTimeOffset?)r.Start).Max();
                var lastRun = lastRecord > lastSnapshot || lastSnapshot is null ? lastRecord : lastSnapshot;
                var sizes = own.TakeLast(10).Select(s => s.Summary?.TotalBytes ?? 0).ToList();
                // The failure the component is in, by the rule 'lifeboat status' uses, so /health and status agree.
                var failure = RunRecord.UnresolvedFailure(ownRuns, lastSnapshot);
                histories[component.Name] = new ComponentHistory(lastRun, lastSnapshot, own.Count, sizes, failure?.End, failure?.Error ?? failure?.Outcome);
            }
        }
        return histories;
    }
}
