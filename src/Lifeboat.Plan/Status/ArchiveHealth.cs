namespace Lifeboat.Plan.Status;

/// <summary>
/// The health of a component's continuous archive (PostgreSQL's WAL), which its point-in-time recovery depends on
/// between backups: the newest archived file and its age against the RPO, and why archiving is broken, if it is.
/// </summary>
public sealed record ArchiveHealth
{
    /// <summary>What is archived, for people: e.g. "WAL archive of component 'db'".</summary>
    public required string Name { get; init; }
    /// <summary>The newest archived file; null when nothing is archived.</summary>
    public string? Newest { get; init; }
    /// <summary>When the newest file was archived.</summary>
    public DateTimeOffset? NewestArchived { get; init; }
    /// <summary>How old the newest archived file is now.</summary>
    public TimeSpan? Age { get; init; }
    /// <summary>Pushes refused since the newest archived file (a refusal followed by successful archiving no longer counts).</summary>
    public int Refused { get; init; }
    /// <summary>Why the archive does not meet its target (nothing archived, too old, refused pushes, unreadable); empty when healthy.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Whether archiving works and its newest file is within the RPO.</summary>
    public bool Healthy => Problems.Count == 0;
}
