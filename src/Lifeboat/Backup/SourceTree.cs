namespace Lifeboat.Backup;

/// <summary>
/// The backed-up paths arranged as a tree of path elements from "/": a snapshot of /srv/app and /etc/app holds
/// /srv and /etc as directories containing only the named paths, so restores recreate absolute paths under the
/// target, as restic does.
/// </summary>
internal sealed class SourceTree
{
    private SourceTree(string path) => Path = path;

    /// <summary>Absolute path of this element.</summary>
    public string Path { get; }

    /// <summary>True when this path was named for backup: everything below it is included.</summary>
    public bool IsIncluded { get; private set; }

    /// <summary>Named descendants, by element name.</summary>
    public SortedDictionary<string, SourceTree> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Builds the tree; paths must be absolute and normalized.</summary>
    public static SourceTree Build(IEnumerable<string> paths)
    {
        var root = new SourceTree("/");
        foreach (var path in paths)
        {
            var node = root;
            foreach (var element in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (node.IsIncluded)
                {
                    break;
                }
                if (!node.Children.TryGetValue(element, out var child))
                {
                    child = new SourceTree(node.Path == "/" ? "/" + element : node.Path + "/" + element);
                    node.Children.Add(element, child);
                }
                node = child;
            }
            node.IsIncluded = true;
            node.Children.Clear();
        }
        return root;
    }
}
