namespace Lifeboat.Plan;

/// <summary>Orders components so each runs after the components it depends on.</summary>
public static class DependencyOrder
{
    /// <summary>
    /// A cycle in <paramref name="graph"/> (component → the components it depends on) as the names along it, the first
    /// repeated at the end (<c>a, b, a</c>); null when there is none.
    /// </summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, List<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    /// <summary>
    /// For each selected component, the selected components it waits for (dependencies outside the selection are not
    /// waited for: they are not part of this run). Throws <see cref="ArgumentException"/> for an unknown name.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Prerequisites(BackupPlan plan, IReadOnlyCollection<string> selected)
    {
        foreach (var name in selected)
        {
            plan.Component(name);
        }
        return selected.ToDictionary(n => n, n => (IReadOnlyList<string>)[.. plan.Component(n).DependsOn.Where(selected.Contains)]);
    }
}
