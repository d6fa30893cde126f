using Lifeboat.Snapshots;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Storage;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Copies the WAL archive to a second repository (the offsite copy), so that the physical base backups copied there
/// can be restored from it alone: the cluster records, then every archived file the destination lacks, oldest name
/// first, each verified and sealed again under the destination's key with its original archive time. Files already
/// in the destination are not sent again, so each copy sends only what was archived since the last one.
/// </summary>
public sealed class WalCopier(Repository.Repository source, Repository.Repository destination)
{
    /// <summary>
    /// The clusters whose WAL <paramref name="snapshots"/> need: the system identifiers of the physical base backups
    /// among them.
    /// </summary>
    public static IReadOnlySet<ulong> ClustersOf(IEnumerable<Snapshot> snapshots) =>
        snapshots.Where(s => s.Source.GetValueOrDefault("kind") == "postgres").Select(s => BaseBackupInfo.FromMetadata(s.Source)).OfType<BaseBackupInfo>()
            .Select(b => b.SystemIdentifier).ToHashSet();

    /// <summary>
    /// Copies the WAL of <paramref name="clusters"/> (every cluster of the source when null): first their cluster
    /// records, then the files. Throws <see cref="WalConflictException"/> when a component archives another cluster in
    /// the destination; what was copied before stays (write-once objects, verified), and the next copy goes on from it.
    /// </summary>
    public async Task<WalCopyReport> CopyAsync(IReadOnlySet<ulong>? clusters, CancellationToken cancellationToken)
    {
        var from = new WalArchive(source);
        var to = new WalArchive(destination);
        var wanted = new SortedSet<ulong>(clusters ?? new HashSet<ulong>());
        foreach (var component in await from.ComponentsAsync(cancellationToken))
        {
            var record = await from.FindClusterAsync(component, cancellationToken) ?? throw new IOException($"the cluster record of component '{component}' vanished while copying");
            if (clusters is null || clusters.Contains(record.SystemIdentifier))
            {
                await to.AdoptClusterAsync(record, cancellationToken);
                wanted.Add(record.SystemIdentifier);
            }
        }
        var present = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var info in destination.Store.ListAsync(BlobKind.Wal, cancellationToken))
        {
            present.Add(info.Name.Name);
        }
        int files = 0, already = 0;
        long bytes = 0;
        foreach (var cluster in wanted)
        {
            // In name order, so an interrupted copy leaves the oldest files copied and only the newest missing.
            foreach (var (file, _) in await from.ListAsync(cluster, cancellationToken))
            {
                if (present.Contains(WalArchive.ObjectName(cluster, file.Name).Name))
                {
                    already++;
                    continue;
                }
                bytes += await to.CopyFromAsync(from, cluster, file.Name, cancellationToken);
                files++;
            }
        }
        return new WalCopyReport(wanted.Count, files, already, bytes);
    }
}
