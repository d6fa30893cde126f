using System.Collections.Concurrent;
using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// Loads trees from the repository; with <paramref name="cache"/>, each tree once for the life of the reader (for
/// callers that revisit trees), otherwise on every request (for single passes, so memory does not grow with the
/// repository). Thread-safe.
/// </summary>
public sealed class TreeReader(Repository.Repository repository, bool cache = true)
{
    private readonly ConcurrentDictionary<Digest, Task<Tree>> _cache = new();

    /// <summary>Loads and parses a tree; throws <see cref="CorruptObjectException"/> when it is missing or damaged.</summary>
    public Task<Tree> LoadAsync(Digest id, CancellationToken cancellationToken) =>
        cache ? _cache.GetOrAdd(id, key => LoadUncachedAsync(key, cancellationToken)) : LoadUncachedAsync(id, cancellationToken);

    /// <summary>Loads a tree named by hex ID.</summary>
    public Task<Tree> LoadAsync(string id, CancellationToken cancellationToken) => LoadAsync(ParseId(id), cancellationToken);

    /// <summary>Parses a hex chunk ID from a tree or snapshot; damage gives <see cref="CorruptObjectException"/>.</summary>
    public static Digest ParseId(string? id)
    {
        try
        {
            return Digest.Parse(id ?? "");
        }
        catch (FormatException)
        {
            throw new CorruptObjectException($"'{id}' is not a valid chunk ID");
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every node below <paramref name="root"/>, depth first, with its path.</summary>
    public async Task WalkAsync(Digest root, string rootPath, Func<string, TreeNode, Task> visit, CancellationToken cancellationToken)
    {
        var tree = await LoadAsync(root, cancellationToken);
        foreach (var node in tree.Nodes)
        {
            var path = rootPath == "/" ? "/" + node.Name : rootPath + "/" + node.Name;
            await visit(path, node);
            if (node.Type == TreeNode.Directory)
            {
                await WalkAsync(node.Subtree ?? throw new CorruptObjectException($"directory {path} has no subtree"), path, visit, cancellationToken);
            }
        }
    }

    private async Task<Tree> LoadUncachedAsync(Digest id, CancellationToken cancellationToken)
    {
        try
        {
            return Tree.FromJson(await repository.ReadChunkAsync(id, cancellationToken));
        }
        catch (CorruptObjectException e)
        {
            throw new CorruptObjectException($"tree {id.Short}: {e.Message}");
        }
    }
}
