using Lifeboat.Backup;
using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources;

/// <summary>
/// Where an <see cref="ISource"/> writes its content: each stream becomes a file at the snapshot's root, chunked,
/// deduplicated, compressed and encrypted like any file. Streams are added one at a time.
/// </summary>
public sealed class StreamSink
{
    private readonly BackupPipeline _pipeline;
    private readonly List<Task<TreeNode?>> _nodes = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly uint _uid, _gid;

    internal StreamSink(BackupPipeline pipeline, TimeProvider clock)
    {
        _pipeline = pipeline;
        Clock = clock;
        var self = Posix.LStat("/proc/self");
        (_uid, _gid) = (self.Uid, self.Gid);
    }

    internal TimeProvider Clock { get; }

    internal IReadOnlyList<Task<TreeNode?>> Nodes => _nodes;

    /// <summary>
    /// Reads <paramref name="content"/> to its end into the repository under <paramref name="name"/> (a plain file
    /// name, unique within the snapshot). Throws <see cref="IOException"/> when reading fails; the stream is not disposed.
    /// </summary>
    public async Task<StreamedFile> AddAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        if (name is "" or "." or ".." || name.Contains('/') || name.Contains('\0'))
        {
            throw new ArgumentException($"'{name}' is not a valid stream name: use a plain file name");
        }
        if (!_names.Add(name))
        {
            throw new ArgumentException($"the source wrote two streams named '{name}'");
        }
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
        // Mode 0600 regular file: dumps hold data that only the owner should read once restored.
        var status = new FileStatus(0, 0, 1, 0x8000 | 0x180, _uid, _gid, 0, now, now);
        var pending = new PendingFile(name, status, content);
        var node = Node(pending, name, status);
        _nodes.Add(node);
        await _pipeline.QueueFileAsync(pending).AsTask().WaitAsync(cancellationToken);
        var stored = await node.WaitAsync(cancellationToken);
        if (stored is null)
        {
            var reason = pending.Failure;
            throw new IOException($"reading the stream '{name}' failed: {reason?.Message ?? "unknown error"}", reason);
        }
        return new StreamedFile(name, stored.Size, stored.ContentHash!);
    }

    private static async Task<TreeNode?> Node(PendingFile pending, string name, FileStatus status)
    {
        var content = await pending.Completion;
        return content is null ? null : new TreeNode
        {
            Name = name,
            Type = TreeNode.File,
            Mode = (int)status.Permissions,
            Uid = status.Uid,
            Gid = status.Gid,
            MtimeNanos = status.MtimeNanos,
            CtimeNanos = status.CtimeNanos,
            Links = 1,
            Size = content.Size,
            Content = content.Chunks,
            ContentHash = content.ContentHash,
        };
    }
}
