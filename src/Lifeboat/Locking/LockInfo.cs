using System.Text.Json.Serialization;

namespace Lifeboat.Locking;

/// <summary>
/// What a lock object says: who holds it, since when, and whether it excludes everyone else. Stored sealed (associated
/// data "lifeboat-lock") under locks/, named by the SHA-256 of its bytes; a refresh writes a new object and deletes the old.
/// </summary>
public sealed record LockInfo
{
    /// <summary>When the lock was written or last refreshed (UTC).</summary>
    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; }
    /// <summary>Whether the holder needs the repository to itself (prune, forget, key and index changes).</summary>
    [JsonPropertyName("exclusive")] public bool Exclusive { get; init; }
    /// <summary>Host of the holder.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>Process ID of the holder on its host.</summary>
    [JsonPropertyName("pid")] public int ProcessId { get; init; }
    /// <summary>
    /// Start time of the holder's process (clock ticks since boot, /proc/&lt;pid&gt;/stat field 22), so a later process that
    /// reuses the PID is not mistaken for the holder. Absent in locks written by older versions and where the OS has no
    /// /proc; such locks are judged by the PID alone.
    /// </summary>
    [JsonPropertyName("pidStart")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ProcessStart { get; init; }
    /// <summary>User of the holder.</summary>
    [JsonPropertyName("username")] public string Username { get; init; } = "";
    /// <summary>What the holder is doing (for messages).</summary>
    [JsonPropertyName("operation")] public string Operation { get; init; } = "";
}
