using Lifeboat.Plan;
using Lifeboat.Plan.Status;
using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli;

/// <summary>
/// The WAL archive health of a plan's physical PostgreSQL components for <c>status</c>: the newest archived segment's
/// age against the component's RPO, and the pushes refused since it (<see cref="WalRefusals"/>).
/// </summary>
public sealed class PostgresArchiveHealth : IArchiveHealthReader
{
    /// <inheritdoc />
    public bool Archives(PlanComponent component) =>
        component.Kind == "postgres" && component.Settings.Values.TryGetValue("mode", out var mode) && mode.Text == BaseBackupInfo.Mode;

    /// <inheritdoc />
    public async Task<ArchiveHealth?> ReadAsync(Repository.Repository repository, PlanComponent component, IReadOnlyList<Snapshot> snapshots, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (!Archives(component))
        {
            return null;
        }
        var walComponent = component.Name;
        var problems = new List<string>();
        var refused = 0;
        (string Segment, DateTimeOffset Archived)? newest = null;
        try
        {
            var archive = new WalArchive(repository);
            // 'wal archive-script --plan' archives under the plan component's name; a script made without --plan under
            // another one (default 'postgres'): then the component archiving the cluster of the newest base backup.
            var cluster = await archive.FindClusterAsync(walComponent, cancellationToken);
            if (cluster is null && snapshots.Select(s => BaseBackupInfo.FromMetadata(s.Source)).LastOrDefault(b => b is not null) is { } backup)
            {
                foreach (var other in await archive.ComponentsAsync(cancellationToken))
                {
                    if (await archive.FindClusterAsync(other, cancellationToken) is { } record && record.SystemIdentifier == backup.SystemIdentifier)
                    {
                        (cluster, walComponent) = (record, other);
                        break;
                    }
                }
            }
            newest = cluster is null ? null : await (await WalChain.LoadAsync(archive, cluster, cancellationToken)).NewestAsync(cancellationToken);
            if (newest is not { } n)
            {
                problems.Add($"no WAL segment is archived for component '{walComponent}': set archive_command (see 'lifeboat wal archive-script --plan FILE --component {component.Name}')");
            }
            else if (component.Rpo is { } rpo && now - n.Archived > rpo)
            {
                problems.Add($"the newest WAL segment {n.Segment} was archived {PlanDuration.Format(TimeSpan.FromSeconds(Math.Floor((now - n.Archived).TotalSeconds)))} ago, "
                    + $"more than the RPO {PlanDuration.Format(rpo)}: archive_command is failing or stopped (see pg_stat_archiver and the server log)");
            }
            // A refusal older than the newest archived segment was followed by successful archiving: not a problem now.
            foreach (var refusal in (await new WalRefusals(repository).ListAsync(walComponent, cancellationToken)).Where(r => newest is null || r.Time > newest.Value.Archived))
            {
                refused++;
                problems.Add($"{refusal.File} refused since {refusal.Time.UtcDateTime:yyyy-MM-dd HH:mm} UTC (host {refusal.Host}): {refusal.Reason}");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            problems.Add($"the WAL archive could not be read: {e.Message}");
        }
        return new ArchiveHealth
        {
            Name = $"WAL archive (component '{walComponent}')", Newest = newest?.Segment, NewestArchived = newest?.Archived,
            Age = newest is { } archived ? now - archived.Archived : null, Refused = refused, Problems = problems,
        };
    }
}
