namespace Lifeboat.Backup;

/// <summary>What to back up and how; validated by <see cref="Archiver"/> before anything is written.</summary>
public sealed record BackupOptions
{
    /// <summary>Files or directories to back up (made absolute).</summary>
    public required IReadOnlyList<string> Paths { get; init; }
    /// <summary>Tags recorded in the snapshot.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Glob patterns of paths to leave out (see <see cref="ExcludeMatcher"/>).</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];
    /// <summary>Host name recorded in the snapshot and used to pick the parent.</summary>
    public string Host { get; init; } = Environment.MachineName;
    /// <summary>Plan component name.</summary>
    public string Component { get; init; } = "files";
    /// <summary>Read every file again instead of trusting the parent snapshot's metadata.</summary>
    public bool Force { get; init; }
    /// <summary>
    /// Runs after all data is durable and just before the snapshot is written; throwing stops the commit. The CLI uses it
    /// to confirm its repository lock is still held.
    /// </summary>
    public Func<CancellationToken, Task>? BeforeCommit { get; init; }

    /// <summary>Chunk workers (compress, encrypt, verify); defaults to the processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
}
