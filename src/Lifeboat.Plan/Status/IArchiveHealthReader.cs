using Lifeboat.Snapshots;

namespace Lifeboat.Plan.Status;

/// <summary>
/// Reads the continuous archive of the component kinds that have one (PostgreSQL's WAL), so plan status can report it
/// without the plan library knowing the kind; composed by the CLI with the kinds it ships.
/// </summary>
public interface IArchiveHealthReader
{
    /// <summary>Whether <paramref name="component"/> has such an archive (<see cref="ReadAsync"/> reads it); decided from the plan alone.</summary>
    bool Archives(PlanComponent component);

    /// <summary>
    /// The health of <paramref name="component"/>'s archive in <paramref name="repository"/> at <paramref name="now"/>
    /// (<paramref name="snapshots"/>: the component's, oldest first); null when the component has no such archive.
    /// Problems reading it are reported in the result, not thrown.
    /// </summary>
    Task<ArchiveHealth?> ReadAsync(Repository.Repository repository, PlanComponent component, IReadOnlyList<Snapshot> snapshots, DateTimeOffset now,
        CancellationToken cancellationToken);
}
