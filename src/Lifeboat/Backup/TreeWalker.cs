using System.IO.Enumeration;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>
/// Walks the source and builds trees bottom-up. Each directory's entries are started in name order without waiting
/// for one another, so the pipeline stays full across directory boundaries; a directory's tree is stored once all
/// its entries are done. Back-pressure comes from the pipeline's bounded file queue.
/// </summary>
internal sealed class TreeWalker(Repository.Repository repository, BackupPipeline pipeline, TreeReader trees,
    ExcludeMatcher excludes, BackupProgress progress)
{
    private static readonly EnumerationOptions ListOptions = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private long _files, _directories, _totalBytes;

    public long Files => Interlocked.Read(ref _files);
    public long Directories => Interlocked.Read(ref _directories);
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    /// <summary>Archives the named paths under a root tree and returns the root tree's ID.</summary>
    public async Task<Digest> ArchiveRootAsync(SourceTree root, Tree? parentRoot)
    {
        if (!root.IsIncluded)
        {
            return await ArchiveSourceChildrenAsync(root, parentRoot);
        }
        // "/" itself was named: the root tree is the listing of "/".
        Interlocked.Increment(ref _directories);
        return await ArchiveListingAsync("/", parentRoot)
            ?? throw new IOException("cannot list /: " + (progress.Errors.LastOrDefault() ?? "unknown error"));
    }

    private async Task<Digest> ArchiveSourceChildrenAsync(SourceTree source, Tree? parentTree)
    {
        var tasks = new List<Task<TreeNode?>>();
        foreach (var (name, child) in source.Children)
        {
            var status = Posix.LStat(child.Path);
            var parentNode = Find(parentTree, name);
            tasks.Add(child.IsIncluded
                ? ArchiveEntryAsync(child.Path, name, status, parentNode)
                : ArchiveIntermediateAsync(child, name, status, parentNode));
        }
        return await StoreTreeAsync(await Task.WhenAll(tasks));
    }

    private async Task<TreeNode?> ArchiveIntermediateAsync(SourceTree source, string name, FileStatus status, TreeNode? parentNode)
    {
        var id = await ArchiveSourceChildrenAsync(source, await LoadParentTreeAsync(parentNode));
        return DirectoryNode(name, status, id);
    }

    private Task<TreeNode?> ArchiveEntryAsync(string path, string name, FileStatus status, TreeNode? parentNode)
    {
        progress.Seen();
        if (status.IsDirectory)
        {
            return ArchiveDirectoryAsync(path, name, status, parentNode);
        }
        if (status.IsRegularFile)
        {
            Interlocked.Increment(ref _files);
            Interlocked.Add(ref _totalBytes, status.Size);
            return ArchiveFileAsync(path, name, status, parentNode);
        }
        if (status.IsSymlink)
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException e)
            {
                progress.Errors.Enqueue($"{path}: {e.Message}");
                return Task.FromResult<TreeNode?>(null);
            }
            return Task.FromResult<TreeNode?>(BaseNode(name, TreeNode.Symlink, status) with { Target = target ?? "" });
        }
        progress.Errors.Enqueue($"{path}: skipped, not a regular file, directory or symlink (mode {status.Mode:o})");
        return Task.FromResult<TreeNode?>(null);
    }

    private async Task<TreeNode?> ArchiveDirectoryAsync(string path, string name, FileStatus status, TreeNode? parentNode)
    {
        Interlocked.Increment(ref _directories);
        var id = await ArchiveListingAsync(path, await LoadParentTreeAsync(parentNode));
        return id is { } tree ? DirectoryNode(name, status, tree) : null;
    }

    /// <summary>Archives a directory's entries and stores its tree; null when it cannot be listed (recorded as an error).</summary>
    private async Task<Digest?> ArchiveListingAsync(string path, Tree? parentTree)
    {
        List<string> names;
        try
        {
            names = [.. new FileSystemEnumerable<string>(path, (ref FileSystemEntry entry) => entry.FileName.ToString(), ListOptions)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress.Errors.Enqueue($"{path}: cannot list directory: {e.Message}");
            return null;
        }
        names.Sort(StringComparer.Ordinal);
        var tasks = new List<Task<TreeNode?>>(names.Count);
        foreach (var childName in names)
        {
            var childPath = path == "/" ? "/" + childName : path + "/" + childName;
            if (excludes.IsExcluded(childPath, childName))
            {
                continue;
            }
            FileStatus childStatus;
            try
            {
                childStatus = Posix.LStat(childPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                progress.Errors.Enqueue($"{childPath}: {e.Message}");
                continue;
            }
            tasks.Add(ArchiveEntryAsync(childPath, childName, childStatus, Find(parentTree, childName)));
        }
        return await StoreTreeAsync(await Task.WhenAll(tasks));
    }

    private async Task<TreeNode?> ArchiveFileAsync(string path, string name, FileStatus status, TreeNode? parentNode)
    {
        if (IsUnchanged(parentNode, status))
        {
            progress.Read(0);
            return BaseNode(name, TreeNode.File, status) with { Content = parentNode!.Content, ContentHash = parentNode.ContentHash };
        }
        progress.Queued(status.Size);
        var pending = new PendingFile(path, status);
        await pipeline.QueueFileAsync(pending);
        var content = await pending.Completion;
        if (content is null)
        {
            return null;
        }
        return BaseNode(name, TreeNode.File, status) with
        {
            Size = content.Size,
            Content = [.. content.Chunks.Select(c => c.ToString())],
            ContentHash = content.ContentHash,
        };
    }

    private bool IsUnchanged(TreeNode? parentNode, FileStatus status)
    {
        if (parentNode is not { Type: TreeNode.File, Content: not null, ContentHash: not null }
            || parentNode.Size != status.Size || parentNode.MtimeNanos != status.MtimeNanos
            || parentNode.CtimeNanos != status.CtimeNanos || parentNode.Inode != status.Inode)
        {
            return false;
        }
        // Reuse content only while the repository still holds every chunk of it.
        foreach (var hex in parentNode.Content)
        {
            if (!Digest.TryParse(hex, out var id) || !repository.Index.Contains(id))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<Tree?> LoadParentTreeAsync(TreeNode? parentNode)
    {
        if (parentNode is not { Type: TreeNode.Directory, Subtree: not null } || !Digest.TryParse(parentNode.Subtree, out var id)
            || !repository.Index.Contains(id))
        {
            return null;
        }
        return await trees.LoadAsync(id, pipeline.Token);
    }

    private async Task<Digest> StoreTreeAsync(TreeNode?[] nodes)
    {
        var tree = new Tree { Nodes = [.. nodes.OfType<TreeNode>()] };
        return await pipeline.StoreTreeAsync(tree.ToJson());
    }

    private static TreeNode? Find(Tree? tree, string name)
    {
        if (tree is null)
        {
            return null;
        }
        var nodes = tree.Nodes;
        int low = 0, high = nodes.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var order = string.CompareOrdinal(nodes[mid].Name, name);
            if (order == 0)
            {
                return nodes[mid];
            }
            if (order < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return null;
    }

    private static TreeNode DirectoryNode(string name, FileStatus status, Digest subtree) =>
        BaseNode(name, TreeNode.Directory, status) with { Subtree = subtree.ToString(), Size = 0 };

    private static TreeNode BaseNode(string name, string type, FileStatus status) => new()
    {
        Name = name,
        Type = type,
        Mode = (int)status.Permissions,
        Uid = status.Uid,
        Gid = status.Gid,
        MtimeNanos = status.MtimeNanos,
        CtimeNanos = status.CtimeNanos,
        Device = status.Device,
        Inode = status.Inode,
        Links = status.LinkCount,
        Size = status.Size,
    };
}
