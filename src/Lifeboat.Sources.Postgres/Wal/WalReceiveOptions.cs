namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>What <see cref="WalReceiver"/> streams from, and how.</summary>
public sealed record WalReceiveOptions
{
    /// <summary>The server (its password only in the environment handed to pg_receivewal).</summary>
    public required PostgresConnection Connection { get; init; }
    /// <summary>The physical replication slot that makes the server keep WAL until it is received.</summary>
    public required string Slot { get; init; }
    /// <summary>Create the slot (physical, reserving WAL at once) when it does not exist.</summary>
    public bool CreateSlot { get; init; }
    /// <summary>The component whose cluster the WAL belongs to.</summary>
    public required string Component { get; init; }
    /// <summary>The staging folder pg_receivewal writes into.</summary>
    public required string Staging { get; init; }
    /// <summary>How often pg_receivewal reports its position when idle (its --status-interval).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The pg_receivewal program, or null for the installed one of the server's major version.</summary>
    public string? Program { get; init; }
}
