namespace Lifeboat.Check;

/// <summary>
/// What a check found. <see cref="Errors"/> are damage or missing data; <see cref="Warnings"/> are harmless
/// leftovers (such as packs of an interrupted backup that no index lists). <see cref="Damaged"/> names, per snapshot,
/// every file or tree that cannot be restored.
/// </summary>
public sealed record CheckReport
{
    /// <summary>Damage and missing data.</summary>
    public required IReadOnlyList<string> Errors { get; init; }
    /// <summary>Harmless findings.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
    /// <summary>Per damaged snapshot (short ID), the affected paths.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Damaged { get; init; }
    /// <summary>Snapshots checked.</summary>
    public int Snapshots { get; init; }
    /// <summary>Packs listed in the store.</summary>
    public int Packs { get; init; }
    /// <summary>Packs whose data was read and verified.</summary>
    public int PacksRead { get; init; }
    /// <summary>Chunks verified by reading.</summary>
    public long ChunksRead { get; init; }

    /// <summary>Whether nothing is damaged or missing.</summary>
    public bool IsClean => Errors.Count == 0;
}
