using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Retention's second half for PostgreSQL: once physical base backups are forgotten, the archived WAL of their
/// clusters that no kept base backup needs any more is expired (<see cref="WalExpiry"/> without an age limit).
/// Used by <c>lifeboat forget</c> and by a plan's retention step.
/// </summary>
public static class WalExpiryAfterForget
{
    /// <summary>
    /// Expires the WAL of every archived component whose cluster lost a base backup among <paramref name="removed"/>;
    /// returns what each expiry did, and the reasons of those that refused (their WAL is left as it was). A null entry is
    /// a removed snapshot that could not be read (damaged): it may have been a base backup of any cluster, so every
    /// archived component's WAL is expired (a cluster with no base backup left keeps all of it, see <see cref="WalExpiry"/>).
    /// The caller holds the repository's exclusive lock.
    /// </summary>
    public static async Task<(List<WalExpiryReport> Reports, List<string> Refused)> RunAsync(Repository.Repository repository,
        IEnumerable<Snapshot?> removed, CancellationToken cancellationToken)
    {
        var all = removed.ToList();
        var unknown = all.Contains(null);
        var clusters = all.OfType<Snapshot>().Select(s => s.Source.GetValueOrDefault("kind") == "postgres" ? BaseBackupInfo.FromMetadata(s.Source) : null)
            .OfType<BaseBackupInfo>().Select(b => b.SystemIdentifier).ToHashSet();
        var reports = new List<WalExpiryReport>();
        var refused = new List<string>();
        if (clusters.Count == 0 && !unknown)
        {
            return (reports, refused);
        }
        var archive = new WalArchive(repository);
        foreach (var component in await archive.ComponentsAsync(cancellationToken))
        {
            if (await archive.FindClusterAsync(component, cancellationToken) is not { } cluster || !unknown && !clusters.Contains(cluster.SystemIdentifier))
            {
                continue;
            }
            try
            {
                reports.Add(await new WalExpiry(repository).RunAsync(component, keepArchivedAfter: null, dryRun: false, force: false, cancellationToken));
            }
            catch (WalExpiryRefusedException e)
            {
                refused.Add(e.Message);
            }
        }
        return (reports, refused);
    }
}
