using System.Diagnostics;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Sources;

namespace Lifeboat.Backup;

/// <summary>
/// Backs up an <see cref="ISource"/>: its streams go through the <see cref="BackupPipeline"/> as files at the root of
/// the snapshot's tree, and the snapshot, carrying the source's metadata, is written last, only when the source
/// finished without throwing and everything it wrote is durable.
/// </summary>
public sealed class SourceArchiver(Repository.Repository repository, TimeProvider clock)
{
    /// <summary>Runs the backup; throws, recording no snapshot, when the source or the repository fails.</summary>
    public async Task<BackupResult> RunAsync(ISource source, SourceBackupOptions options, BackupProgress progress, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        await using var pipeline = new BackupPipeline(repository, progress, options.Workers, cancellationToken);
        var sink = new StreamSink(pipeline, clock);
        var produce = source.ProduceAsync(sink, pipeline.Token);
        IReadOnlyDictionary<string, string> metadata;
        Digest root;
        try
        {
            await Task.WhenAny(produce, pipeline.Failure);
            pipeline.ThrowIfFailed();
            metadata = await produce;
            if (sink.Nodes.Count == 0)
            {
                throw new InvalidOperationException($"the {source.Kind} source produced nothing to back up");
            }
            var nodes = (await Task.WhenAll(sink.Nodes)).OfType<TreeNode>().OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
            root = await pipeline.StoreTreeAsync(new Tree { Nodes = nodes }.ToJson());
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
            Paths = source.Describe(),
            Tree = root.ToString(),
            Source = sourceMap,
            Summary = progress.Summarize(sink.Nodes.Count, 0, progress.BytesRead, stopwatch.Elapsed),
        };
        return await progress.CommitAsync(repository, snapshot, options.BeforeCommit, cancellationToken);
    }
}
