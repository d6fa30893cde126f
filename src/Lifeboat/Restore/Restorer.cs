using System.Collections.Concurrent;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>
/// Restores a snapshot (or sub-paths of it) into a directory. Files are written by several workers, in parts (a large
/// file by several at once), under a temporary name, with every chunk's ID and the file's content hash checked; only
/// a verified file is renamed to its final name. A damaged file is reported and skipped; the others are still restored. Ownership is restored when running
/// as root; modes and mtimes always; hard links are recreated between restored paths.
/// </summary>
public sealed class Restorer(Repository.Repository repository)
{
    /// <summary>Restores; the repository's index must be loaded. Per-file failures are in the result, not thrown.</summary>
    public async Task<RestoreResult> RunAsync(Snapshot snapshot, RestoreOptions options, RestoreProgress progress, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(options.Target);
        var root = options.Root is { } named ? "/" + named.Trim('/') : null;
        if (root is not null && options.Includes.Count > 0)
        {
            throw new ArgumentException("a restore with a root directory takes no includes");
        }
        var includes = root is not null ? [root] : options.Includes.Select(p => "/" + p.Trim('/')).Select(p => p == "/" ? "" : p).ToList();
        var errors = new ConcurrentBag<RestoreError>();
        var items = await PlanAsync(snapshot, target, includes, errors, cancellationToken);
        // A damaged listing on the way to what was asked for is reported as such, not as "nothing there".
        var listingsLost = !errors.IsEmpty;
        if (root is not null)
        {
            items = [.. items.Where(i => i.SnapshotPath == root || i.SnapshotPath.StartsWith(root + "/", StringComparison.Ordinal))
                .Select(i => i with { TargetPath = target + i.SnapshotPath[root.Length..] })];
            if (items.FirstOrDefault() is not { Node.Type: TreeNode.Directory } && !listingsLost)
            {
                throw new ArgumentException($"the snapshot holds no directory {root}");
            }
        }
        // Each include on its own: one that matches nothing is a typo, which must not pass as a restore of the others.
        // One on the way through, or below, a listing that could not be read is reported as damaged, not as missing.
        static bool Under(string path, string prefix) => path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
        var lost = errors.Select(e => e.Path).ToList();
        var missing = options.Includes.Where((_, i) => !items.Any(item => Under(item.SnapshotPath, includes[i]))
            && !lost.Any(l => Under(includes[i], l) || Under(l, includes[i]))).ToList();
        if (root is null && missing.Count > 0)
        {
            throw new ArgumentException($"the snapshot holds nothing at {string.Join(", ", missing)}");
        }
        Directory.CreateDirectory(target);
        var directories = items.Where(i => i.Node.Type == TreeNode.Directory).ToList();
        var unusable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            // Parents come before children in walk order: below a directory that could not be made, skip quietly.
            if (unusable.Contains(Path.GetDirectoryName(directory.TargetPath)!))
            {
                unusable.Add(directory.TargetPath);
                continue;
            }
            if (!TryStep(errors, directory, () => TargetDirectory.Ensure(directory.TargetPath)))
            {
                unusable.Add(directory.TargetPath);
            }
        }

        var files = items.Where(i => i.Node.Type == TreeNode.File).ToList();
        var (primaries, links) = SplitHardLinks(files);
        progress.Planned(files.Count, primaries.Sum(f => f.Node.Size));
        var writer = new FileRestorer(repository, progress, options.PartBytes);
        var restored = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var parts = new List<List<FilePart>>();
        foreach (var item in OrderForRestore(primaries))
        {
            if (unusable.Contains(Path.GetDirectoryName(item.TargetPath)!))
            {
                errors.Add(new RestoreError(item.SnapshotPath, "its directory could not be created"));
                continue;
            }
            try
            {
                parts.Add(writer.Plan(item));
            }
            catch (CorruptObjectException e)
            {
                errors.Add(new RestoreError(item.SnapshotPath, e.Message));
            }
        }
        // Against a remote store most of a file's time is spent waiting for its pack: more files at once keep several
        // pack downloads in flight.
        var parallelism = repository.Store.PrefersWholeObjects ? Math.Max(options.Parallelism, 8) : options.Parallelism;
        await RunPartsAsync(writer, parts, parallelism, file =>
        {
            if (file.Failure is null)
            {
                restored[file.Item.TargetPath] = true;
            }
            else
            {
                errors.Add(new RestoreError(file.Item.SnapshotPath, file.Failure));
            }
        }, cancellationToken);

        var linked = 0;
        foreach (var (link, primary) in links)
        {
            TryStep(errors, link, () =>
            {
                // Only a partner restored and verified in this run may be linked to: an older file of that name is not it.
                if (!restored.ContainsKey(primary.TargetPath))
                {
                    throw new IOException($"its hard-link partner {primary.SnapshotPath} was not restored");
                }
                EntryPlacer.HardLink(link, primary.TargetPath);
                linked++;
                progress.FileDone();
            });
        }
        foreach (var entry in items.Where(i => i.Node.Type is not (TreeNode.File or TreeNode.Directory)
            && !unusable.Contains(Path.GetDirectoryName(i.TargetPath)!)))
        {
            TryStep(errors, entry, () =>
            {
                if (entry.Node.Type == TreeNode.Symlink)
                {
                    EntryPlacer.Symlink(entry);
                }
                else
                {
                    EntryPlacer.Special(entry);
                }
            });
        }
        // Deepest first, so setting a directory's mtime is not undone by writing into it.
        foreach (var directory in directories.Where(d => !unusable.Contains(d.TargetPath)).OrderByDescending(d => d.TargetPath.Length))
        {
            TryStep(errors, directory, () => Metadata.Apply(directory.TargetPath, directory.Node, isSymlink: false));
        }
        // Success means durable: one flush of the target's file system before anything is reported as restored.
        Posix.SyncFileSystem(target);
        return new RestoreResult(files.Count, directories.Count, progress.BytesWritten,
            [.. errors.OrderBy(e => e.Path, StringComparer.Ordinal)]) { FilesVerified = restored.Count + linked };
    }

    /// <summary>
    /// Workers take the files' parts from a <see cref="PartQueue"/> (files in pack order), each with its own open packs;
    /// a worker that meets anything but a per-file failure stops the others, and every file left unfinished is deleted.
    /// </summary>
    private async Task RunPartsAsync(FileRestorer writer, List<List<FilePart>> parts, int parallelism, Action<RestoringFile> finished,
        CancellationToken cancellationToken)
    {
        var packs = ContentReader.CacheFor(repository.Store);
        var queue = new PartQueue(parts);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        async Task WorkAsync()
        {
            using var reader = new ContentReader(repository, packs);
            var (file, fromEnd) = (-1, false);
            try
            {
                while (queue.TryTake(ref file, ref fromEnd, out var part))
                {
                    stop.Token.ThrowIfCancellationRequested();
                    if (await writer.RestorePartAsync(part, reader, stop.Token) is { } done)
                    {
                        finished(done);
                    }
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }
        var all = Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallelism)).Select(_ => Task.Run(WorkAsync, CancellationToken.None)));
        try
        {
            await all;
        }
        catch when (all.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) is { } cause)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
        }
        finally
        {
            foreach (var file in parts)
            {
                file[0].File.Abandon();
            }
        }
    }

    /// <summary>
    /// The entries to restore: everything, or the included paths with their ancestor directories. Only directories on the
    /// way to an include are read, and a listing that cannot be read is reported as that directory's error: everything
    /// outside it is still restored.
    /// </summary>
    private async Task<List<RestoreItem>> PlanAsync(Snapshot snapshot, string target, List<string> includes, ConcurrentBag<RestoreError> errors,
        CancellationToken cancellationToken)
    {
        var items = new List<RestoreItem>();
        var trees = new TreeReader(repository);
        bool Wanted(string path, TreeNode node) =>
            includes.Count == 0 || includes.Any(i => i == "" || path == i || path.StartsWith(i + "/", StringComparison.Ordinal)
                || (node.Type == TreeNode.Directory && i.StartsWith(path + "/", StringComparison.Ordinal)));
        await trees.WalkAsync(TreeReader.ParseId(snapshot.Tree), "/", (path, node) =>
        {
            if (Wanted(path, node))
            {
                items.Add(new RestoreItem(path, target + path, node));
            }
            return Task.CompletedTask;
        }, Wanted, (path, reason) => errors.Add(new RestoreError(path, reason + "; nothing below it can be restored")), cancellationToken);
        return items;
    }

    private static (List<RestoreItem>, List<(RestoreItem Link, RestoreItem Primary)>) SplitHardLinks(List<RestoreItem> files)
    {
        var primaries = new List<RestoreItem>();
        var links = new List<(RestoreItem, RestoreItem)>();
        var seen = new Dictionary<(ulong, ulong), RestoreItem>();
        foreach (var file in files)
        {
            if (file.Node.Links > 1 && file.Node.Inode != 0)
            {
                var key = (file.Node.Device, file.Node.Inode);
                if (seen.TryGetValue(key, out var primary) && primary.Node.ContentHash == file.Node.ContentHash)
                {
                    links.Add((file, primary));
                    continue;
                }
                seen.TryAdd(key, file);
            }
            primaries.Add(file);
        }
        return (primaries, links);
    }

    /// <summary>
    /// Pack order, so a store read whole packs at a time reads each once. On other stores the large files come first,
    /// largest first: a worker that starts a 1 GiB file last would leave the others to share it with it, and writers
    /// of one file queue on its inode lock.
    /// </summary>
    private IEnumerable<RestoreItem> OrderForRestore(List<RestoreItem> files)
    {
        const long large = 64 * 1024 * 1024;
        return repository.Store.PrefersWholeObjects
            ? files.OrderBy(FirstChunkPosition)
            : files.OrderByDescending(f => f.Node.Size >= large ? f.Node.Size : 0).ThenBy(FirstChunkPosition);
    }

    private (Digest, long) FirstChunkPosition(RestoreItem item)
    {
        if (item.Node.Content is { Count: > 0 } content && repository.Index.TryGet(content[0], out var location))
        {
            return (location.Pack, location.Entry.Offset);
        }
        return (default, 0);
    }

    private static bool TryStep(ConcurrentBag<RestoreError> errors, RestoreItem item, Action step)
    {
        try
        {
            step();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new RestoreError(item.SnapshotPath, e.Message));
            return false;
        }
    }
}
