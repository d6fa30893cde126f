using Lifeboat.Plan;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Cli.Commands.Serve;

/// <summary>What each repository remembers of the plan's scheduled components, read from their snapshots at start.</summary>
public static class PlanHistory
{
    /// <summary>
    /// The history of every scheduled component; a repository that cannot be read leaves its components without
    /// history (they wait for their next occurrence), and the problem is written to <paramref name="log"/> and shown
    /// by the readiness probe.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ComponentHistory>> LoadAsync(BackupPlan plan, IReadOnlyList<ScheduledComponent> components,
        TextWriter log, CancellationToken cancellationToken)
    {
        var histories = new Dictionary<string, ComponentHistory>(StringComparer.Ordinal);
        foreach (var group in components.GroupBy(c => plan.Component(c.Name).Repository))
        {
            IReadOnlyList<Snapshots.Snapshot> snapshots;
            try
            {
                var repository = await PlanComponentRunner.OpenAsync(plan.Repositories[group.Key], cancellationToken);
                snapshots = [.. (await repository.LoadSnapshotsAsync(cancellationToken)).Select(s => s.Snapshot).OrderBy(s => s.Time)];
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await log.WriteLineAsync($"lifeboat serve: warning: cannot read the history of repository '{group.Key}': {e.Message}; its components wait for their next scheduled time");
                continue;
            }
            foreach (var component in group)
            {
                var mine = snapshots.Where(s => s.Component == component.Name).ToList();
                DateTimeOffset? last = mine.Count == 0 ? null : mine[^1].Time;
                var sizes = mine.TakeLast(10).Select(s => s.Summary?.TotalBytes ?? 0).ToList();
                histories[component.Name] = new ComponentHistory(last, last, mine.Count, sizes);
            }
        }
        return histories;
    }
}
