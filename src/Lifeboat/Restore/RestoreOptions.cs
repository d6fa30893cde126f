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
    /// <summary>Files restored at once.</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);
}
