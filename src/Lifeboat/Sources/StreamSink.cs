using Lifeboat.Backup;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources;

/// <summary>
/// Where an <see cref="ISource"/> writes its content: each stream becomes a file in the snapshot's tree, at the root
/// or at a relative path (<c>dir/sub/name</c>, whose directories are created), chunked, deduplicated, compressed and
/// encrypted like any file. Calls are made one at a time: streams are read one after another.
/// </summary>
public sealed class StreamSink
{
    private readonly BackupPipeline _pipeline;
    private readonly Repository.Repository _repository;
    private readonly BackupProgress _progress;
    private readonly Func<CancellationToken, Task<ParentSnapshot?>> _findParent;
    private readonly List<(string Path, Task<TreeNode?> Node)> _nodes = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly uint _uid, _gid;
    private Task<ParentSnapshot?>? _parent;

    internal StreamSink(BackupPipeline pipeline, Repository.Repository repository, BackupProgress progress, TimeProvider clock,
        Func<CancellationToken, Task<ParentSnapshot?>> findParent)
    {
        _pipeline = pipeline;
        _repository = repository;
        _progress = progress;
        _findParent = findParent;
        Clock = clock;
        // The trailing slash follows the /proc/self link (owned by root) to this process's own entry, owned by its user.
        var self = Posix.LStat("/proc/self/");
        (_uid, _gid) = (self.Uid, self.Gid);
    }

    internal TimeProvider Clock { get; }

    /// <summary>
    /// The repository the snapshot goes into, for a source that must see what else it holds (a base backup waits
    /// until its WAL is archived there). Writing to it is the sink's business, not the source's.
    /// </summary>
    public Repository.Repository Repository => _repository;

    /// <summary>Files, directories and bytes below the directories added with <see cref="AddDirectoryAsync"/>.</summary>
    internal (long Files, long Directories, long Bytes) DirectoryTotals { get; private set; }

    /// <summary>Every file added, with its path; a node is null when its stream failed.</summary>
    internal IReadOnlyList<(string Path, Task<TreeNode?> Node)> Nodes => _nodes;

    /// <summary>Whether <see cref="FindParentAsync"/> found a parent, whose ID the snapshot then records.</summary>
    internal ParentSnapshot? UsedParent => _parent is { IsCompletedSuccessfully: true } found ? found.Result : null;

    /// <summary>
    /// Reads <paramref name="content"/> to its end into the repository under <paramref name="path"/> (a file name or a
    /// relative path of file names joined by '/', unique within the snapshot; no file may sit where another path needs
    /// a directory). Throws <see cref="IOException"/> when reading fails; the path may then be added again (a retry).
    /// The stream is not disposed.
    /// </summary>
    public Task<StreamedFile> AddAsync(string path, Stream content, CancellationToken cancellationToken) =>
        AddAsync(path, content, null, cancellationToken);

    /// <summary>
    /// As <see cref="AddAsync(string, Stream, CancellationToken)"/>, recording <paramref name="modified"/> (default:
    /// now) as the file's modification time.
    /// </summary>
    public async Task<StreamedFile> AddAsync(string path, Stream content, DateTimeOffset? modified, CancellationToken cancellationToken)
    {
        Claim(path);
        var status = Status(modified);
        var pending = new PendingFile(path, status, content);
        var node = Node(pending, NameOf(path), status);
        _nodes.Add((path, node));
        TreeNode? stored;
        try
        {
            await _pipeline.QueueFileAsync(pending).AsTask().WaitAsync(cancellationToken);
            stored = await node.WaitAsync(cancellationToken);
        }
        catch
        {
            _files.Remove(path);
            throw;
        }
        if (stored is null)
        {
            _files.Remove(path);
            var reason = pending.Failure;
            throw new IOException($"reading the stream '{path}' failed: {reason?.Message ?? "unknown error"}", reason);
        }
        return new StreamedFile(path, stored.Size, stored.ContentHash!);
    }

    /// <summary>
    /// Reads the directory <paramref name="directory"/> of this machine, with everything below it that
    /// <paramref name="isExcluded"/> (absolute path, name) does not leave out, into the snapshot at
    /// <paramref name="path"/>: files are read in parallel with the pipeline and keep their modes, owners and times.
    /// Entries that cannot be listed or read are left out and returned in <see cref="StreamedDirectory.Errors"/>
    /// ("absolute path: message"), not reported: the caller decides whether they fail the source. Every file is read
    /// again (no parent is consulted).
    /// </summary>
    public async Task<StreamedDirectory> AddDirectoryAsync(string path, string directory, Func<string, string, bool> isExcluded,
        CancellationToken cancellationToken)
    {
        Claim(path);
        var root = Path.GetFullPath(directory).TrimEnd('/');
        var before = _progress.Errors.Count;
        var walker = new TreeWalker(_repository, _pipeline, new TreeReader(_repository), isExcluded, _progress);
        TreeNode? node;
        try
        {
            node = await (await walker.WalkDirectoryAsync(root, NameOf(path))).WaitAsync(cancellationToken);
        }
        catch
        {
            _files.Remove(path);
            throw;
        }
        var errors = TakeErrorsAfter(before);
        if (node is not { Type: TreeNode.Directory })
        {
            _files.Remove(path);
            throw new IOException($"{root} is not a directory that can be listed: {errors.LastOrDefault() ?? "unknown error"}");
        }
        _nodes.Add((path, Task.FromResult<TreeNode?>(node)));
        var totals = DirectoryTotals;
        DirectoryTotals = (totals.Files + walker.Files, totals.Directories + walker.Directories, totals.Bytes + walker.TotalBytes);
        return new StreamedDirectory(path, walker.Files, walker.TotalBytes, errors);
    }

    // Sources add one thing at a time, so every error queued since the walk began is the walk's own.
    private List<string> TakeErrorsAfter(int count)
    {
        var all = new List<string>();
        while (_progress.Errors.TryDequeue(out var error))
        {
            all.Add(error);
        }
        foreach (var earlier in all.Take(count))
        {
            _progress.Errors.Enqueue(earlier);
        }
        return [.. all.Skip(count)];
    }

    /// <summary>
    /// Adds a file at <paramref name="path"/> whose content is that of <paramref name="previous"/>, a file node of an
    /// earlier snapshot (see <see cref="FindParentAsync"/>), without reading anything. Returns null, adding nothing,
    /// when the repository no longer holds every chunk of that content: the caller then adds the content itself.
    /// </summary>
    public StreamedFile? TryReuse(string path, TreeNode previous, DateTimeOffset? modified)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (previous is not { Type: TreeNode.File, Content: { } chunks, ContentHash: { } hash } || !chunks.All(_repository.Index.Contains))
        {
            return null;
        }
        Claim(path);
        var status = Status(modified);
        _nodes.Add((path, Task.FromResult<TreeNode?>(FileNode(NameOf(path), status, previous.Size, chunks, hash))));
        return new StreamedFile(path, previous.Size, hash);
    }

    /// <summary>
    /// The newest earlier snapshot of the same source (same kind, description, component and host), or null; found
    /// once, on the first call. A source that reuses its content records it as the snapshot's parent.
    /// </summary>
    public Task<ParentSnapshot?> FindParentAsync(CancellationToken cancellationToken) => _parent ??= _findParent(cancellationToken);

    private void Claim(string path)
    {
        var names = path.Split('/');
        if (names.Any(n => n is "" or "." or ".." || n.Contains('\0')))
        {
            throw new ArgumentException($"'{path}' is not a valid stream path: use file names joined by '/'");
        }
        if (_files.Contains(path) || _directories.Contains(path))
        {
            throw new ArgumentException($"the source wrote two entries at '{path}'");
        }
        for (var i = path.IndexOf('/'); i >= 0; i = path.IndexOf('/', i + 1))
        {
            if (_files.Contains(path[..i]))
            {
                throw new ArgumentException($"the source wrote '{path}' below the file '{path[..i]}'");
            }
        }
        for (var i = path.IndexOf('/'); i >= 0; i = path.IndexOf('/', i + 1))
        {
            _directories.Add(path[..i]);
        }
        _files.Add(path);
    }

    private static string NameOf(string path) => path[(path.LastIndexOf('/') + 1)..];

    private FileStatus Status(DateTimeOffset? modified)
    {
        var time = (modified ?? Clock.GetUtcNow()).ToUnixTimeMilliseconds() * 1_000_000;
        // Mode 0600 regular file: dumps hold data that only the owner should read once restored.
        return new FileStatus(0, 0, 1, 0x8000 | 0x180, _uid, _gid, 0, time, time);
    }

    private static async Task<TreeNode?> Node(PendingFile pending, string name, FileStatus status)
    {
        var content = await pending.Completion;
        return content is null ? null : FileNode(name, status, content.Size, content.Chunks, content.ContentHash);
    }

    private static TreeNode FileNode(string name, FileStatus status, long size, IReadOnlyList<Crypto.Digest> chunks, string contentHash) => new()
    {
        Name = name,
        Type = TreeNode.File,
        Mode = (int)status.Permissions,
        Uid = status.Uid,
        Gid = status.Gid,
        MtimeNanos = status.MtimeNanos,
        CtimeNanos = status.CtimeNanos,
        Links = 1,
        Size = size,
        Content = chunks,
        ContentHash = contentHash,
    };
}
