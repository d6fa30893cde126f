using Lifeboat.Plan.Running;
using Lifeboat.Runs;

namespace Lifeboat.Plan.Status;

/// <summary>Reads every component's <see cref="ComponentStatus"/> from the plan's repositories (no lock is taken).</summary>
public sealed class PlanStatusReader(BackupPlan plan, TimeProvider clock)
{
    /// <summary>Reads the continuous archives (PostgreSQL WAL) into <see cref="ComponentStatus.Archive"/>; null: none is read.</summary>
    public IArchiveHealthReader? Archives { get; init; }

    /// <summary>
    /// The status of every component, in plan order. A repository that cannot be opened gives its components an
    /// <see cref="ComponentStatus.Error"/> instead of failing the whole report; damaged snapshots and records are
    /// skipped and described in <paramref name="warnings"/>.
    /// </summary>
    public async Task<IReadOnlyList<ComponentStatus>> ReadAsync(ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var statuses = new List<ComponentStatus>();
        foreach (var group in plan.Components.GroupBy(c => c.Repository))
        {
            List<(Crypto.Digest Id, Snapshots.Snapshot Snapshot)> snapshots;
            List<RunRecord> runs;
            var archives = new Dictionary<string, ArchiveHealth?>(StringComparer.Ordinal);
            try
            {
                await using var opened = await OpenedRepository.OpenAsync(plan.Repositories[group.Key], loadIndex: false, locking: null, "status", cancellationToken);
                var listing = await opened.Repository.ListSnapshotsAsync(cancellationToken);
                foreach (var damaged in listing.Damaged)
                {
                    warnings.Add($"repository '{group.Key}': damaged snapshot not counted: {damaged}; 'lifeboat check' reports what it affects");
                }
                snapshots = [.. listing.Readable];
                runs = await new RunLog(opened.Repository).LoadAsync(cancellationToken, warnings);
                foreach (var component in group.Where(_ => Archives is not null))
                {
                    archives[component.Name] = await Archives!.ReadAsync(opened.Repository, component,
                        [.. snapshots.Where(s => s.Snapshot.Component == component.Name).Select(s => s.Snapshot)], now, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                statuses.AddRange(group.Select(c => new ComponentStatus
                {
                    Component = c.Name, Kind = c.Kind, Repository = c.Repository, Rpo = c.Rpo, Rto = c.Rto, Error = e.Message,
                    NextRun = c.Schedule?.Next(now),
                }));
                continue;
            }
            foreach (var component in group)
            {
                var own = snapshots.Where(s => s.Snapshot.Component == component.Name).ToList();
                var ownRuns = runs.Where(r => r.Component == component.Name).ToList();
                var last = own.Count > 0 ? own[^1] : default;
                TimeSpan? age = own.Count > 0 ? now - last.Snapshot.Time : null;
                statuses.Add(new ComponentStatus
                {
                    Component = component.Name, Kind = component.Kind, Repository = component.Repository,
                    LastSuccess = own.Count > 0 ? last.Snapshot.Time : null, LastSnapshot = own.Count > 0 ? last.Id.ToString() : null,
                    Age = age, Rpo = component.Rpo, Rto = component.Rto,
                    RpoMet = component.Rpo is not { } rpo || (age is { } a && a <= rpo),
                    Snapshots = own.Count, StoredBytes = own.Sum(s => s.Snapshot.Summary?.StoredBytes ?? 0),
                    LastRun = ownRuns.LastOrDefault(), LastFailure = ownRuns.LastOrDefault(r => r.Outcome != RunRecord.Success),
                    LastRunFailed = RunRecord.UnresolvedFailure(ownRuns, own.Count > 0 ? last.Snapshot.Time : null) is not null,
                    NextRun = component.Schedule?.Next(now),
                    Archive = archives.GetValueOrDefault(component.Name),
                });
            }
        }
        return [.. plan.Components.Select(c => statuses.First(s => s.Component == c.Name))];
    }
}
