namespace Lifeboat.Snapshots;

/// <summary>
/// An operation needed every snapshot (or one named snapshot) and at least one is damaged. Thrown by
/// <see cref="Repository.Repository.LoadSnapshotsAsync"/> so that nobody decides on an incomplete list by accident.
/// The CLI maps it to exit code 4 (damaged data).
/// </summary>
public sealed class DamagedSnapshotException : IOException
{
    /// <summary>Creates the exception for <paramref name="damaged"/> (at least one).</summary>
    public DamagedSnapshotException(IReadOnlyList<DamagedSnapshot> damaged, string? consequence = null)
        : base(Describe(damaged, consequence))
    {
        Damaged = damaged;
    }

    /// <summary>The damaged snapshots.</summary>
    public IReadOnlyList<DamagedSnapshot> Damaged { get; }

    private static string Describe(IReadOnlyList<DamagedSnapshot> damaged, string? consequence)
    {
        var what = damaged.Count == 1 ? "a snapshot is damaged" : $"{damaged.Count} snapshots are damaged";
        return $"{what} ({string.Join("; ", damaged.Select(d => d.Reason))})"
            + (consequence is null ? "" : $": {consequence}")
            + "; 'lifeboat check' reports what is affected, 'lifeboat forget ID' removes a damaged snapshot";
    }
}
