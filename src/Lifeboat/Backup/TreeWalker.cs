using System.IO.Enumeration;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>
/// Walks the source depth first and builds trees bottom-up. Files are queued in walk order without waiting for their
/// content, so the pipeline stays full across directory boundaries; a directory's tree is stored once all its entries
/// are done. Back-pressure comes from the pipeline's bounded file queue.
/// </summary>
internal sealed class TreeWalker(Repository.Repository repository, BackupPipeline pipeline, TreeReader trees,
    Func<string, string, bool> isExcluded, BackupProgress progress)
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
            return await await WalkSourceChildrenAsync(root, parentRoot);
        }
        // "/" itself was named: the root tree is the listing of "/".
        Interlocked.Increment(ref _directories);
        return await await WalkListingAsync("/", parentRoot)
            ?? throw new IOException("cannot list /: " + (progress.Errors.LastOrDefault() ?? "unknown error"));
    }

    /// <summary>
    /// Walks one directory as the node <paramref name="name"/>: awaiting queues every file below it; the returned task
    /// completes with the node once every file is stored, or null when the directory cannot be listed.
    /// </summary>
    public async ValueTask<Task<TreeNode?>> WalkDirectoryAsync(string path, string name) =>
        await WalkEntryAsync(path, name, Posix.LStat(path), parentNode: null);

    // The walk is two-phase. Awaiting a Walk… method means "every file below has been queued"; the task it returns
    // completes when the node is ready. Walking waits on the pipeline's bounded file queue, so the walk never runs
    // more than the queue ahead of the reader, whatever the size of the tree.

    private async ValueTask<Task<Digest>> WalkSourceChildrenAsync(SourceTree source, Tree? parentTree)
    {
        var nodes = new List<Task<TreeNode?>>();
        foreach (var (name, child) in source.Children)
        {
            var status = Posix.LStat(child.Path);
            var parentNode = Find(parentTree, name);
            if (child.IsIncluded)
            {
                nodes.Add(await WalkEntryAsync(child.Path, name, status, parentNode));
            }
            else
            {
                var listing = await WalkSourceChildrenAsync(child, await LoadParentTreeAsync(parentNode, child.Path));
                nodes.Add(DirectoryNodeAsync(listing, name, status));
            }
        }
        return StoreTreeAsync(nodes);
    }

    private async ValueTask<Task<TreeNode?>> WalkEntryAsync(string path, string name, FileStatus status, TreeNode? parentNode)
    {
        progress.Seen();
        if (status.IsDirectory)
        {
            Interlocked.Increment(ref _directories);
            var listing = await WalkListingAsync(path, await LoadParentTreeAsync(parentNode, path));
            return DirectoryNodeAsync(listing, name, status);
        }
        if (status.IsRegularFile)
        {
            Interlocked.Increment(ref _files);
            Interlocked.Add(ref _totalBytes, status.Size);
            if (IsUnchanged(parentNode, status))
            {
                return Task.FromResult<TreeNode?>(BaseNode(name, TreeNode.File, status) with { Content = parentNode!.Content, ContentHash = parentNode.ContentHash });
            }
            progress.Queued(status.Size);
            var pending = new PendingFile(path, status);
            await pipeline.QueueFileAsync(pending);
            return FileNodeAsync(pending, name, status);
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
        if (TreeNode.SpecialType(status.FileType) is { } special)
        {
            // A FIFO or device is recorded, never opened: reading a FIFO would wait for a writer, a device for ever.
            var device = special == TreeNode.Fifo ? (ulong?)null : status.SpecialDevice;
            return Task.FromResult<TreeNode?>(BaseNode(name, special, status) with { Size = 0, DeviceNumber = device });
        }
        if (status.IsSocket)
        {
            // A socket holds no data and only the program listening on it can make a working one: nothing is lost.
            progress.Warnings.Enqueue($"{path}: socket left out (a socket holds no data; the program that listens on it makes it again)");
            return Task.FromResult<TreeNode?>(null);
        }
        progress.Errors.Enqueue($"{path}: skipped, unknown file type (mode {Convert.ToString(status.Mode, 8)})");
        return Task.FromResult<TreeNode?>(null);
    }

    /// <summary>Walks a directory's entries; the task stores its tree, or is null when it cannot be listed (recorded as an error).</summary>
    private async ValueTask<Task<Digest?>> WalkListingAsync(string path, Tree? parentTree)
    {
        List<string> names;
        try
        {
            names = [.. new FileSystemEnumerable<string>(path, (ref FileSystemEntry entry) => entry.FileName.ToString(), ListOptions)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress.Errors.Enqueue($"{path}: cannot list directory: {e.Message}");
            return Task.FromResult<Digest?>(null);
        }
        names.Sort(StringComparer.Ordinal);
        var nodes = new List<Task<TreeNode?>>(names.Count);
        foreach (var childName in names)
        {
            var childPath = path == "/" ? "/" + childName : path + "/" + childName;
            if (isExcluded(childPath, childName))
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
            nodes.Add(await WalkEntryAsync(childPath, childName, childStatus, Find(parentTree, childName)));
        }
        return StoreListingAsync(nodes);
    }

    private async Task<Digest?> StoreListingAsync(List<Task<TreeNode?>> nodes) => await StoreTreeAsync(nodes);

    private static async Task<TreeNode?> DirectoryNodeAsync(Task<Digest?> listing, string name, FileStatus status) =>
        await listing is { } tree ? DirectoryNode(name, status, tree) : null;

    private static async Task<TreeNode?> DirectoryNodeAsync(Task<Digest> listing, string name, FileStatus status) =>
        DirectoryNode(name, status, await listing);

    private static async Task<TreeNode?> FileNodeAsync(PendingFile pending, string name, FileStatus status)
    {
        var content = await pending.Completion;
        if (content is null)
        {
            return null;
        }
        return BaseNode(name, TreeNode.File, status) with
        {
            Size = content.Size,
            Content = content.Chunks,
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
        foreach (var id in parentNode.Content)
        {
            if (!repository.Index.Contains(id))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<Tree?> LoadParentTreeAsync(TreeNode? parentNode, string path)
    {
        if (parentNode is not { Type: TreeNode.Directory, Subtree: { } id } || !repository.Index.Contains(id))
        {
            return null;
        }
        return await LoadParentTreeAsync(id, path);
    }

    /// <summary>
    /// The parent snapshot's listing of <paramref name="path"/>, or null when it cannot be read: a damaged listing in the
    /// parent must not stop every later backup, so that directory is read afresh (a warning says so) and the new snapshot
    /// is whole again.
    /// </summary>
    public async Task<Tree?> LoadParentTreeAsync(Digest id, string path)
    {
        try
        {
            return await trees.LoadAsync(id, pipeline.Token);
        }
        catch (IOException e) when (!pipeline.Token.IsCancellationRequested)
        {
            progress.Warnings.Enqueue($"{path}: the parent snapshot's listing cannot be read ({e.Message}); every file below it is read again");
            return null;
        }
    }

    private async Task<Digest> StoreTreeAsync(List<Task<TreeNode?>> nodes)
    {
        var tree = new Tree { Nodes = [.. (await Task.WhenAll(nodes)).OfType<TreeNode>()] };
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
        BaseNode(name, TreeNode.Directory, status) with { Subtree = subtree, Size = 0 };

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
