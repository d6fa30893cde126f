using Lifeboat.Backup;

namespace Lifeboat.Plan.Running;

/// <summary>How a component runner records its snapshot.</summary>
public sealed record ComponentRunOptions
{
    /// <summary>The component name recorded in the snapshot.</summary>
    public required string Component { get; init; }
    /// <summary>The host name recorded in the snapshot.</summary>
    public required string Host { get; init; }
    /// <summary>Tags recorded in the snapshot.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Runs just before the snapshot is written (checks the lock is still held); throwing stops the commit.</summary>
    public Func<CancellationToken, Task>? BeforeCommit { get; init; }
    /// <summary>Progress counters of the run.</summary>
    public BackupProgress Progress { get; init; } = new();
    /// <summary>The clock whose time the snapshot records.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>Chunk workers.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
}
