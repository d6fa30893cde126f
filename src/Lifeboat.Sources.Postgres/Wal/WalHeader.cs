using System.Text.Json.Serialization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The separately sealed header of an archived WAL file: what it is and when it was archived, readable with one
/// small ranged read so the chain check never downloads segments.
/// </summary>
public sealed record WalHeader
{
    /// <summary>
    /// Format version: 1, the content checked by <see cref="Sha256"/>; 2 (written since), by the zstd frame's content
    /// checksum (<see cref="FrameChecksum"/>), which the decompression verifies.
    /// </summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>The file's name in pg_wal.</summary>
    [JsonPropertyName("file")] public string File { get; init; } = "";
    /// <summary>The cluster's system identifier.</summary>
    [JsonPropertyName("systemIdentifier")] public ulong SystemIdentifier { get; init; }
    /// <summary>Bytes of the file.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }
    /// <summary>SHA-256 of the file, lower-case hex (version 1 only).</summary>
    [JsonPropertyName("sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }
    /// <summary>The payload's zstd frame carries the content checksum (version 2: always).</summary>
    [JsonPropertyName("frameChecksum")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool FrameChecksum { get; init; }
    /// <summary>When it was archived (UTC): every record in it was written before this.</summary>
    [JsonPropertyName("archived")] public DateTimeOffset Archived { get; init; }
}
