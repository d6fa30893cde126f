namespace Lifeboat.Backup;

/// <summary>How to record a backup of an <see cref="Sources.ISource"/>.</summary>
public sealed record SourceBackupOptions
{
    /// <summary>Plan component name (ad-hoc backups use the source kind).</summary>
    public required string Component { get; init; }
    /// <summary>Tags recorded in the snapshot.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Host name recorded in the snapshot.</summary>
    public string Host { get; init; } = Environment.MachineName;
    /// <summary>Runs after all data is durable and just before the snapshot is written; throwing stops the commit.</summary>
    public Func<CancellationToken, Task>? BeforeCommit { get; init; }
    /// <summary>Chunk workers; defaults to the processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
}
