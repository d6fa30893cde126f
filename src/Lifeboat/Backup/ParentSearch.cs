using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>Finds the snapshot a backup compares against: the newest one that matches, skipping damaged ones.</summary>
internal static class ParentSearch
{
    /// <summary>The newest snapshot <paramref name="matches"/> accepts, or null; damaged snapshots become warnings.</summary>
    public static async Task<(Digest Id, Snapshot Snapshot)?> FindAsync(Repository.Repository repository, Func<Snapshot, bool> matches,
        BackupProgress progress, CancellationToken cancellationToken)
    {
        var listing = await repository.ListSnapshotsAsync(cancellationToken);
        foreach (var damaged in listing.Damaged)
        {
            progress.Warnings.Enqueue($"a damaged snapshot cannot serve as parent: {damaged}; 'lifeboat check' reports what it affects");
        }
        var snapshots = listing.Readable;
        for (var i = snapshots.Count - 1; i >= 0; i--)
        {
            if (matches(snapshots[i].Snapshot))
            {
                return snapshots[i];
            }
        }
        return null;
    }
}
