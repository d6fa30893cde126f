using System.Diagnostics;
using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Snapshots;
using Lifeboat.Sources;

namespace Lifeboat.Backup;

/// <summary>
/// Backs up an <see cref="ISource"/>: its streams go through the <see cref="BackupPipeline"/> as files of the
/// snapshot's tree (at the root, or at the relative paths the source names), and the snapshot, carrying the source's
/// metadata, is written last, only when the source finished without throwing and everything it wrote is durable.
/// </summary>
public sealed class SourceArchiver(Repository.Repository repository, TimeProvider clock)
{
    /// <summary>Runs the backup; throws, recording no snapshot, when the source or the repository fails.</summary>
    public async Task<BackupResult> RunAsync(ISource source, SourceBackupOptions options, BackupProgress progress, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var paths = source.Describe();
        await using var pipeline = new BackupPipeline(repository, progress, options.Workers, cancellationToken);
        var sink = new StreamSink(pipeline, repository, progress, clock, ct => FindParentAsync(source.Kind, paths, options, progress, ct));
        var produce = source.ProduceAsync(sink, pipeline.Token);
        IReadOnlyDictionary<string, string> metadata;
        Digest root;
        long files, directories = 0, totalBytes;
        try
        {
            await Task.WhenAny(produce, pipeline.Failure);
            pipeline.ThrowIfFailed();
            metadata = await produce;
            var nodes = new List<(string[] Path, TreeNode Node)>();
            foreach (var (path, node) in sink.Nodes)
            {
                if (await node is { } stored)
                {
                    nodes.Add((path.Split('/'), stored));
                }
            }
            if (nodes.Count == 0)
            {
                throw new InvalidOperationException($"the {source.Kind} source produced nothing to back up");
            }
            var below = sink.DirectoryTotals;
            files = nodes.Count(n => n.Node.Type == TreeNode.File) + below.Files;
            totalBytes = nodes.Sum(n => n.Node.Size) + below.Bytes;
            directories = below.Directories;
            (root, _) = await StoreDirectoryAsync(pipeline, nodes, 0, () => directories++);
        }
        catch (OperationCanceledException)
        {
            pipeline.ThrowIfFailed();
            throw;
        }
        await pipeline.CompleteAsync();

        var sourceMap = new Dictionary<string, string>(metadata) { ["kind"] = source.Kind };
        var snapshot = new Snapshot
        {
            Time = started,
            Component = options.Component,
            Host = options.Host,
            Username = Environment.UserName,
            Tags = options.Tags,
            Paths = paths,
            Tree = root.ToString(),
            Parent = sink.UsedParent?.Id.ToString(),
            Source = sourceMap,
            Summary = progress.Summarize(files, directories, totalBytes, stopwatch.Elapsed),
        };
        return await progress.CommitAsync(repository, snapshot, options.BeforeCommit, cancellationToken);
    }

    private async Task<ParentSnapshot?> FindParentAsync(string kind, IReadOnlyList<string> paths, SourceBackupOptions options,
        BackupProgress progress, CancellationToken cancellationToken)
    {
        var found = await ParentSearch.FindAsync(repository, s => s.Host == options.Host && s.Component == options.Component
            && s.Source.GetValueOrDefault("kind") == kind && s.Paths.SequenceEqual(paths), progress, cancellationToken);
        return found is var (id, snapshot) ? new ParentSnapshot(id, snapshot, new SnapshotFileReader(repository)) : null;
    }

    /// <summary>
    /// Stores the tree of the files whose paths share their first <paramref name="depth"/> names, bottom-up; returns its
    /// ID and the newest modification time in it, which its directory node records so unchanged directories deduplicate.
    /// </summary>
    private static async Task<(Digest Id, long Mtime)> StoreDirectoryAsync(BackupPipeline pipeline, List<(string[] Path, TreeNode Node)> entries,
        int depth, Action directoryStored)
    {
        var listing = new List<TreeNode>();
        long newest = 0;
        foreach (var group in entries.GroupBy(e => e.Path[depth], StringComparer.Ordinal))
        {
            var file = group.FirstOrDefault(e => e.Path.Length == depth + 1);
            TreeNode node;
            if (file.Node is not null)
            {
                node = file.Node;
            }
            else
            {
                var (subtree, mtime) = await StoreDirectoryAsync(pipeline, [.. group], depth + 1, directoryStored);
                directoryStored();
                node = new TreeNode
                {
                    Name = group.Key, Type = TreeNode.Directory, Mode = 0x1C0, Uid = group.First().Node.Uid,
                    Gid = group.First().Node.Gid, MtimeNanos = mtime, CtimeNanos = mtime, Links = 1, Subtree = subtree,
                };
            }
            newest = Math.Max(newest, node.MtimeNanos);
            listing.Add(node);
        }
        listing.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return (await pipeline.StoreTreeAsync(new Tree { Nodes = listing }.ToJson()), newest);
    }
}
