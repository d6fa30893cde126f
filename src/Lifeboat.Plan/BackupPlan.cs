namespace Lifeboat.Plan;

/// <summary>
/// A validated plan (<c>lifeboat.yaml</c>): the repositories and the components backed up into them. Made only by
/// <see cref="PlanLoader"/>, so every reference in it resolves and there are no dependency cycles.
/// </summary>
public sealed record BackupPlan
{
    /// <summary>The plan file's full path.</summary>
    public required string File { get; init; }

    /// <summary>The directory relative paths in the plan are resolved against (the plan file's directory).</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The host name recorded in snapshots (<c>host:</c>, default this machine's name).</summary>
    public required string Host { get; init; }

    /// <summary>Repositories by name.</summary>
    public required IReadOnlyDictionary<string, PlanRepository> Repositories { get; init; }

    /// <summary>Components in file order.</summary>
    public required IReadOnlyList<PlanComponent> Components { get; init; }

    /// <summary>The webhooks <c>lifeboat serve</c> posts to (<c>notify: { webhooks: [...] }</c>); their URLs are secrets, read when the daemon starts.</summary>
    public IReadOnlyList<PlanSecret> Webhooks { get; init; } = [];

    /// <summary>The component named <paramref name="name"/>; throws <see cref="ArgumentException"/> naming the known ones.</summary>
    public PlanComponent Component(string name) =>
        Components.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"the plan has no component '{name}'; it has: {string.Join(", ", Components.Select(c => c.Name))}");
}
