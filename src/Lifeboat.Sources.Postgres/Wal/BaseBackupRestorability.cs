using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Finds the physical base backups of a repository that cannot be restored from it because WAL from their start to
/// their stop is not archived there: every such snapshot, whichever component it belongs to and whether or not any
/// WAL of its cluster was archived (a copy that brought the base backup without its WAL leaves no cluster record).
/// </summary>
public static class BaseBackupRestorability
{
    /// <summary>One line per base backup that cannot be restored, naming the snapshot, its component and the missing WAL; empty when all can.</summary>
    public static async Task<IReadOnlyList<string>> FindUnrestorableAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        var archive = new WalArchive(repository);
        var chains = new Dictionary<ulong, WalChain>();
        var problems = new List<string>();
        foreach (var (id, snapshot) in await repository.LoadSnapshotsAsync(cancellationToken))
        {
            if (snapshot.Source.GetValueOrDefault("kind") != "postgres")
            {
                continue;
            }
            BaseBackupInfo? info;
            try
            {
                info = BaseBackupInfo.FromMetadata(snapshot.Source);
            }
            catch (InvalidDataException e)
            {
                problems.Add($"base backup {id.Short} of component '{snapshot.Component}' cannot be restored: {e.Message}");
                continue;
            }
            if (info is null)
            {
                continue;
            }
            if (!chains.TryGetValue(info.SystemIdentifier, out var chain))
            {
                // The backup names its cluster and segment size: enough to read the chain without a cluster record.
                var cluster = new ClusterRecord { SystemIdentifier = info.SystemIdentifier, SegmentSize = info.SegmentSize };
                chains[info.SystemIdentifier] = chain = await WalChain.LoadAsync(archive, cluster, cancellationToken);
            }
            var reach = await chain.ReachAsync(info, cancellationToken);
            if (!reach.Restorable)
            {
                problems.Add($"base backup {id.Short} of component '{snapshot.Component}' (cluster {info.SystemIdentifier}) cannot be restored: "
                    + $"the repository lacks its WAL {string.Join(", ", reach.Missing)}"
                    + (chain.Files.Count == 0 ? "; no WAL of this cluster is archived here at all (copy it with 'lifeboat copy', which sends the WAL first)" : ""));
            }
        }
        return problems;
    }
}
