using System.Diagnostics;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>
/// Backs up files and directories into a snapshot. Walks the source, reuses the parent snapshot's content for files
/// whose size, mtime, ctime and inode are unchanged, streams everything else through the <see cref="BackupPipeline"/>,
/// writes trees bottom-up, and writes the snapshot last, only after every pack and index it needs is durable.
/// </summary>
public sealed class Archiver(Repository.Repository repository, TimeProvider clock)
{
    /// <summary>
    /// Runs a backup. Throws (and records no snapshot) when a source path is missing or the repository fails;
    /// files that cannot be read are left out and listed in <see cref="BackupProgress.Errors"/>.
    /// The repository's index must be loaded.
    /// </summary>
    public async Task<BackupResult> RunAsync(BackupOptions options, BackupProgress progress, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var paths = options.Paths.Select(NormalizeSourcePath).Distinct().Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0)
        {
            throw new ArgumentException("nothing to back up: name at least one path");
        }
        var excludes = new ExcludeMatcher(options.Excludes);
        var (parentId, parent) = options.Force ? (null, null) : await FindParentAsync(options, paths, progress, cancellationToken);
        var trees = new TreeReader(repository);

        await using var pipeline = new BackupPipeline(repository, progress, options.Workers, cancellationToken);
        var walker = new TreeWalker(repository, pipeline, trees, excludes.IsExcluded, progress);
        var parentRoot = parent is null ? null : await walker.LoadParentTreeAsync(TreeReader.ParseId(parent.Tree), "/");
        var rootTask = walker.ArchiveRootAsync(SourceTree.Build(paths), parentRoot);
        Digest root;
        try
        {
            await Task.WhenAny(rootTask, pipeline.Failure);
            pipeline.ThrowIfFailed();
            root = await rootTask;
        }
        catch (OperationCanceledException)
        {
            pipeline.ThrowIfFailed();
            throw;
        }
        await pipeline.CompleteAsync();

        var snapshot = new Snapshot
        {
            Time = started,
            Component = options.Component,
            Host = options.Host,
            Username = Environment.UserName,
            Tags = options.Tags,
            Paths = paths,
            Tree = root.ToString(),
            Parent = parentId?.ToString(),
            Source = new Dictionary<string, string> { ["kind"] = "files" },
            Summary = progress.Summarize(walker.Files, walker.Directories, walker.TotalBytes, stopwatch.Elapsed),
        };
        return await progress.CommitAsync(repository, snapshot, options.BeforeCommit, cancellationToken);
    }

    private async Task<(Digest?, Snapshot?)> FindParentAsync(BackupOptions options, List<string> paths, BackupProgress progress,
        CancellationToken cancellationToken)
    {
        var found = await ParentSearch.FindAsync(repository,
            s => s.Host == options.Host && s.Component == options.Component && s.Paths.SequenceEqual(paths), progress, cancellationToken);
        return found is var (id, snapshot) ? (id, snapshot) : (null, null);
    }

    private static string NormalizeSourcePath(string path)
    {
        var full = Path.GetFullPath(path);
        if (full.Length > 1)
        {
            full = full.TrimEnd('/');
        }
        try
        {
            Posix.LStat(full);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"source path {full} does not exist", full);
        }
        return full;
    }
}
