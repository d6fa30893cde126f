using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>
/// Reads the files of a snapshot, as a source's streams were stored (a dump, an RDB, a command's output),
/// into a stream or a file. Every chunk's ID is checked as it is read, and the size and content hash at the end: a
/// mismatch throws <see cref="CorruptObjectException"/>. The repository's index must be loaded.
/// </summary>
public sealed class SnapshotFileReader(Repository.Repository repository)
{
    private readonly PackCache? _packs = ContentReader.CacheFor(repository.Store);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, Task<Dictionary<string, TreeNode>>> _listings = new();

    /// <summary>The entries at the snapshot's root, sorted by name.</summary>
    public async Task<IReadOnlyList<TreeNode>> ListAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        var tree = await new TreeReader(repository).LoadAsync(Digest.Parse(snapshot.Tree), cancellationToken);
        return tree.Nodes;
    }

    /// <summary>The file named <paramref name="name"/> at the snapshot's root; throws <see cref="ArgumentException"/> when there is none.</summary>
    public async Task<TreeNode> FindAsync(Snapshot snapshot, string name, CancellationToken cancellationToken)
    {
        var nodes = await ListAsync(snapshot, cancellationToken);
        return nodes.FirstOrDefault(n => n.Name == name && n.Type == TreeNode.File)
            ?? throw new ArgumentException($"the snapshot holds no file named '{name}' (it holds: {string.Join(", ", nodes.Select(n => n.Name))})");
    }

    /// <summary>
    /// The entry at <paramref name="path"/> (names joined by '/', relative to the snapshot's root), or null when there
    /// is none. Listings read are kept for later calls, so looking up many files of one snapshot reads each tree once.
    /// Thread-safe.
    /// </summary>
    public async Task<TreeNode?> FindPathAsync(Snapshot snapshot, string path, CancellationToken cancellationToken)
    {
        var tree = Digest.Parse(snapshot.Tree);
        var names = path.Split('/');
        for (var i = 0; ; i++)
        {
            var listing = await _listings.GetOrAdd(tree, id => LoadListingAsync(id, cancellationToken));
            if (!listing.TryGetValue(names[i], out var node))
            {
                return null;
            }
            if (i == names.Length - 1)
            {
                return node;
            }
            if (node is not { Type: TreeNode.Directory, Subtree: { } subtree })
            {
                return null;
            }
            tree = subtree;
        }
    }

    private async Task<Dictionary<string, TreeNode>> LoadListingAsync(Digest id, CancellationToken cancellationToken)
    {
        var tree = await new TreeReader(repository).LoadAsync(id, cancellationToken);
        return tree.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Writes the file's content to <paramref name="destination"/>. Bytes already written before a damaged chunk is
    /// found cannot be taken back: callers that must not act on partial content restore to a file first.
    /// </summary>
    public async Task<long> CopyToAsync(TreeNode node, Stream destination, CancellationToken cancellationToken)
    {
        long written = 0;
        var locations = ContentReader.Locate(repository, node);
        var chunkHashes = new Digest[locations.Count];
        using (var content = new ContentReader(repository, _packs))
        {
            await content.ReadAsync(locations, 0, locations.Count, chunkHashes, async (data, ct) =>
            {
                await destination.WriteAsync(data, ct);
                written += data.Length;
            }, cancellationToken);
        }
        await destination.FlushAsync(cancellationToken);
        Verify(node, written, ContentHash.Of(chunkHashes));
        return written;
    }

    /// <summary>
    /// Writes the file's content to <paramref name="path"/>: under a temporary name beside it, verified and flushed to
    /// disk, then renamed into place. An existing file at <paramref name="path"/> is replaced only when
    /// <paramref name="overwrite"/> is set; on any failure nothing is left under the final name.
    /// </summary>
    public async Task RestoreToFileAsync(TreeNode node, string path, bool overwrite, UnixFileMode mode, CancellationToken cancellationToken)
    {
        path = Path.GetFullPath(path);
        if (!overwrite && Path.Exists(path))
        {
            throw new IOException($"{path} already exists; choose another target or move it aside");
        }
        var temporary = FileRestorer.TemporaryPath(path);
        try
        {
            await using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode, PreallocationSize = node.Size,
                BufferSize = 0,
            }))
            {
                await CopyToAsync(node, file, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite);
            FileSystem.Posix.SyncFileSystem(Path.GetDirectoryName(path)!);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Verify(TreeNode node, long size, string hash)
    {
        if (size != node.Size || !string.Equals(hash, node.ContentHash, StringComparison.Ordinal))
        {
            throw new CorruptObjectException($"'{node.Name}' read back as {size} bytes with a different content hash than the snapshot records ({node.Size} bytes)");
        }
    }
}
