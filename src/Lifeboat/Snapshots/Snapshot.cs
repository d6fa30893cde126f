using System.Text.Json.Serialization;

namespace Lifeboat.Snapshots;

/// <summary>
/// A snapshot: the commit point of a backup, naming the root tree and describing where it came from.
/// Stored as sealed JSON (associated data "lifeboat-snapshot") named by the SHA-256 of the stored bytes.
/// </summary>
public sealed record Snapshot
{
    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>When the backup started (UTC).</summary>
    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; }
    /// <summary>The plan component this snapshot belongs to ("files" for ad-hoc file backups).</summary>
    [JsonPropertyName("component")] public string Component { get; init; } = "files";
    /// <summary>Host that made it.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>User that made it.</summary>
    [JsonPropertyName("username")] public string Username { get; init; } = "";
    /// <summary>Free-form tags.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Absolute source paths.</summary>
    [JsonPropertyName("paths")] public IReadOnlyList<string> Paths { get; init; } = [];
    /// <summary>The root tree's chunk ID (hex).</summary>
    [JsonPropertyName("tree")] public string Tree { get; init; } = "";
    /// <summary>The parent snapshot used for change detection, if any (hex).</summary>
    [JsonPropertyName("parent")] public string? Parent { get; init; }
    /// <summary>Source kind and what verification needs (e.g. "files").</summary>
    [JsonPropertyName("source")] public IReadOnlyDictionary<string, string> Source { get; init; } = new Dictionary<string, string>();
    /// <summary>Counts and sizes of the run that made it.</summary>
    [JsonPropertyName("summary")] public BackupSummary? Summary { get; init; }
}
