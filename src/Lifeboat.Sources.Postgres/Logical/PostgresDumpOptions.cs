namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>How to take a logical backup of one database.</summary>
public sealed record PostgresDumpOptions
{
    /// <summary>The server, login and database (the database must be named).</summary>
    public required PostgresConnection Connection { get; init; }
    /// <summary>Back up roles and tablespaces (pg_dumpall --globals-only) as globals.sql too.</summary>
    public bool Globals { get; init; } = true;
    /// <summary>How many of the largest tables get an exact row count recorded for verification.</summary>
    public int CountedTables { get; init; } = 10;
    /// <summary>The pg_dump to run instead of the installed one of the server's version (tests, unusual installs).</summary>
    public string? PgDumpPath { get; init; }
    /// <summary>The pg_dumpall to run instead of the installed one.</summary>
    public string? PgDumpAllPath { get; init; }
    /// <summary>How long pg_dump waits for a table lock before failing (its --lock-wait-timeout).</summary>
    public TimeSpan LockWaitTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long one read of pg_dump's output may wait before pg_dump is stopped and the backup fails.</summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromMinutes(30);
}
