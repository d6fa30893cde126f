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
    /// <summary>Partial objects (unfinished writes of killed or failed runs) deleted.</summary>
    public int PartialDeleted { get; init; }
    /// <summary>Bytes of partial objects deleted.</summary>
    public long PartialBytesDeleted { get; init; }
    /// <summary>Partial objects kept because they were written to recently: a writer may still be using them.</summary>
    public int PartialKept { get; init; }
    /// <summary>Bytes freed: packs and partial objects deleted, minus packs written.</summary>
    public long BytesFreed => BytesDeleted + PartialBytesDeleted - BytesWritten;
    /// <summary>Chunks still in use.</summary>
    public long ChunksUsed { get; init; }
    /// <summary>Whether nothing was changed.</summary>
    public bool DryRun { get; init; }
}
