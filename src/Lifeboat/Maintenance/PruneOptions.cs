namespace Lifeboat.Maintenance;

/// <summary>How prune decides what to rewrite.</summary>
public sealed record PruneOptions
{
    /// <summary>Repack a pack when less than this share of its bytes is still used (0–1; default 0.5).</summary>
    public double RepackBelow { get; init; } = 0.5;
    /// <summary>Only report what would be done.</summary>
    public bool DryRun { get; init; }
    /// <summary>Abort when more than this share of the indexed packs is missing from the listing (default 1 %).</summary>
    public double MaxMissingPacks { get; init; } = 0.01;
}
