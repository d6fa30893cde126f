namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>How to restore a logical backup; validated by <see cref="PostgresLogicalRestore"/> before anything changes.</summary>
public sealed record LogicalRestoreOptions
{
    /// <summary>The server and login; its database, if named, is the live database (default: the one backed up).</summary>
    public required PostgresConnection Connection { get; init; }
    /// <summary>The new database to restore into (default: <c>LIVE_restored_yyyyMMddHHmmss</c>, UTC).</summary>
    public string? Into { get; init; }
    /// <summary>Parallel pg_restore jobs (new-database mode only).</summary>
    public int Jobs { get; init; } = 2;
    /// <summary>Queries whose single value must equal the expected text in the restored database.</summary>
    public IReadOnlyList<VerifyQuery> Verify { get; init; } = [];
    /// <summary>After verification, rename the live database aside and the restored one into its place.</summary>
    public bool Swap { get; init; }
    /// <summary>With <see cref="Swap"/>: disconnect the live database's clients instead of refusing.</summary>
    public bool TerminateConnections { get; init; }
    /// <summary>Restore into the live database itself (after a safety snapshot), in one transaction.</summary>
    public bool InPlace { get; init; }
    /// <summary>Apply the backed-up roles and tablespaces first.</summary>
    public bool Globals { get; init; }
    /// <summary>Do not restore object owners and privileges (for a server without the original roles).</summary>
    public bool NoOwner { get; init; }
    /// <summary>Where the dump is restored to a private file for pg_restore (default: the system temp directory).</summary>
    public string? TemporaryDirectory { get; init; }
    /// <summary>
    /// Takes the safety snapshot of the live database before an in-place restore and returns its ID; required for
    /// <see cref="InPlace"/>. Throwing stops the restore before anything changed.
    /// </summary>
    public Func<CancellationToken, Task<string>>? SafetySnapshot { get; init; }
    /// <summary>The pg_restore to run instead of the installed one.</summary>
    public string? PgRestorePath { get; init; }
    /// <summary>Where progress lines go (stderr in the CLI).</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;
    /// <summary>The clock naming new databases.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
