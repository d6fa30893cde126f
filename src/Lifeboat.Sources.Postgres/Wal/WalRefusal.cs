using System.Text.Json.Serialization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// A WAL file the archive refused for a component (another cluster's segment, other content under an archived name),
/// stored as <c>wal/refused-&lt;component&gt;-&lt;file&gt;</c> at its first refusal, so status can report archiving
/// that has stopped.
/// </summary>
public sealed record WalRefusal
{
    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>The component the file was pushed for.</summary>
    [JsonPropertyName("component")] public string Component { get; init; } = "";
    /// <summary>The WAL file's name.</summary>
    [JsonPropertyName("file")] public string File { get; init; } = "";
    /// <summary>When it was first refused (UTC).</summary>
    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; }
    /// <summary>The host that pushed it.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>Why it was refused (the push's error).</summary>
    [JsonPropertyName("reason")] public string Reason { get; init; } = "";
}
