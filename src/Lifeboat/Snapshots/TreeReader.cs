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

    /// <summary>
    /// Calls <paramref name="visit"/> for every node below <paramref name="root"/>, depth first, with its path. A listing
    /// that is missing or damaged throws (<see cref="CorruptObjectException"/>, or the store's <see cref="IOException"/>).
    /// </summary>
    public Task WalkAsync(Digest root, string rootPath, Func<string, TreeNode, Task> visit, CancellationToken cancellationToken) =>
        WalkAsync(root, rootPath, visit, descend: null, damaged: null, cancellationToken);

    /// <summary>
    /// Calls <paramref name="visit"/> for every node below <paramref name="root"/>, depth first, with its path, entering
    /// only the directories <paramref name="descend"/> accepts (all when null). A directory whose listing cannot be read
    /// (missing, damaged, or a store read error) does not end the walk: <paramref name="damaged"/> gets its path
    /// (<paramref name="rootPath"/> for the root) and the reason, and the walk goes on with its siblings, so one bad listing
    /// costs only what is below it. With <paramref name="damaged"/> null the first such listing throws.
    /// </summary>
    public async Task WalkAsync(Digest root, string rootPath, Func<string, TreeNode, Task> visit, Func<string, TreeNode, bool>? descend,
        Action<string, string>? damaged, CancellationToken cancellationToken)
    {
        Tree tree;
        try
        {
            tree = await LoadAsync(root, cancellationToken);
        }
        catch (IOException e) when (damaged is not null)
        {
            damaged(rootPath, $"directory listing: {e.Message}");
            return;
        }
        foreach (var node in tree.Nodes)
        {
            var path = rootPath == "/" ? "/" + node.Name : rootPath + "/" + node.Name;
            await visit(path, node);
            if (node.Type == TreeNode.Directory && (descend is null || descend(path, node)))
            {
                if (node.Subtree is not { } subtree)
                {
                    var reason = $"directory {path} has no subtree";
                    if (damaged is null)
                    {
                        throw new CorruptObjectException(reason);
                    }
                    damaged(path, "directory listing: " + reason);
                    continue;
                }
                await WalkAsync(subtree, path, visit, descend, damaged, cancellationToken);
            }
        }
    }
}
