namespace Lifeboat.Restore;

/// <summary>Where and what to restore.</summary>
public sealed record RestoreOptions
{
    /// <summary>The target directory; snapshot paths are recreated below it (a snapshot of /srv/app restores to TARGET/srv/app).</summary>
    public required string Target { get; init; }
    /// <summary>Absolute snapshot paths to restore (with everything below them); empty restores everything.</summary>
    public IReadOnlyList<string> Includes { get; init; } = [];
    /// <summary>
    /// An absolute snapshot directory whose contents restore straight into <see cref="Target"/> (a snapshot's /data
    /// becomes TARGET itself, not TARGET/data); null recreates full snapshot paths. Combined with no includes.
    /// </summary>
    public string? Root { get; init; }
    /// <summary>Workers, each restoring one part of a file at a time (at least 8 against a store that prefers whole objects).</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);
    /// <summary>
    /// The size of the parts a file is split into, each restored by one worker: large enough that a part costs far
    /// more than its bookkeeping, small enough that a 1 GiB file keeps every worker busy to the end. Tests set it small.
    /// </summary>
    internal long PartBytes { get; init; } = 16 * 1024 * 1024;
}
