namespace Lifeboat.Maintenance;

/// <summary>What prune did (or, in a dry run, would do).</summary>
public sealed record PruneReport
{
    /// <summary>Packs that held only unused chunks, deleted whole.</summary>
    public int PacksDeleted { get; init; }
    /// <summary>Packs rewritten because they were mostly unused.</summary>
    public int PacksRepacked { get; init; }
    /// <summary>New packs written by repacking.</summary>
    public int PacksWritten { get; init; }
    /// <summary>Packs no index listed whose chunks nothing uses, deleted.</summary>
    public int UnindexedDeleted { get; init; }
    /// <summary>Bytes of packs deleted.</summary>
    public long BytesDeleted { get; init; }
    /// <summary>Bytes of packs written.</summary>
    public long BytesWritten { get; init; }
    /// <summary>Bytes freed: deleted minus written.</summary>
    public long BytesFreed => BytesDeleted - BytesWritten;
    /// <summary>Chunks still in use.</summary>
    public long ChunksUsed { get; init; }
    /// <summary>Whether nothing was changed.</summary>
    public bool DryRun { get; init; }
}
