using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// Loads and validates trees from the repository. Nothing is cached, so memory does not grow with the repository;
/// callers that revisit trees remember what they need (the checker keeps per-tree results). Thread-safe.
/// </summary>
public sealed class TreeReader(Repository.Repository repository)
{
    /// <summary>Loads and parses a tree; throws <see cref="CorruptObjectException"/> when it is missing or damaged.</summary>
    public async Task<Tree> LoadAsync(Digest id, CancellationToken cancellationToken)
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
}
