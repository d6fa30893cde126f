using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// Every snapshot of a repository split into the readable ones (oldest first) and the damaged ones. Returned by
/// <see cref="Repository.Repository.ListSnapshotsAsync"/> to callers that can go on with the readable snapshots; such a
/// caller must report <see cref="Damaged"/> (or call <see cref="ThrowIfDamaged"/>): a damaged snapshot is never
/// skipped without a word.
/// </summary>
public sealed class SnapshotListing(IReadOnlyList<(Digest Id, Snapshot Snapshot)> readable, IReadOnlyList<DamagedSnapshot> damaged)
{
    /// <summary>The snapshots that could be read, ordered by time, then by ID.</summary>
    public IReadOnlyList<(Digest Id, Snapshot Snapshot)> Readable { get; } = readable;

    /// <summary>The snapshots that could not be read, ordered by ID.</summary>
    public IReadOnlyList<DamagedSnapshot> Damaged { get; } = damaged;

    /// <summary>
    /// Throws <see cref="DamagedSnapshotException"/> naming every damaged snapshot and <paramref name="consequence"/>
    /// (what the caller does not do because of them), if there is any.
    /// </summary>
    public void ThrowIfDamaged(string? consequence = null)
    {
        if (Damaged.Count > 0)
        {
            throw new DamagedSnapshotException(Damaged, consequence);
        }
    }

    /// <summary>
    /// Throws <see cref="DamagedSnapshotException"/> when a damaged snapshot could be the one <paramref name="name"/>
    /// means: for "latest", any damaged snapshot (its time, host and component are unknown, so it may be the newest);
    /// for an ID prefix, a damaged snapshot whose ID starts with it. <paramref name="newestReadable"/>, the snapshot
    /// "latest" would otherwise mean, is named in the message so the operator can ask for it by ID.
    /// </summary>
    public void ThrowIfDamagedCouldBe(string name, Digest? newestReadable = null)
    {
        if (name != "latest")
        {
            var prefix = name.ToLowerInvariant();
            var matching = Damaged.Where(d => d.Id.ToString().StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (matching.Count > 0)
            {
                throw new DamagedSnapshotException(matching, $"'{name}' names a damaged snapshot; nothing was read from it");
            }
            return;
        }
        var older = newestReadable is { } id
            ? $"; the newest readable match is {id.Short}: name it by ID to use it"
            : "; 'lifeboat snapshots' lists the readable ones";
        ThrowIfDamaged($"'latest' cannot be resolved, as a damaged snapshot may be the newest{older}");
    }
}
