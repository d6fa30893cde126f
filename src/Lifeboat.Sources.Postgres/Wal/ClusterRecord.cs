using System.Text.Json.Serialization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Binds a component to the one PostgreSQL cluster whose WAL it archives. Written by the first <c>wal push</c> (or
/// physical backup) of the component; every later push must come from the same system identifier.
/// </summary>
public sealed record ClusterRecord
{
    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>The component name.</summary>
    [JsonPropertyName("component")] public string Component { get; init; } = "";
    /// <summary>The cluster's system identifier (from pg_control and every segment's first page).</summary>
    [JsonPropertyName("systemIdentifier")] public ulong SystemIdentifier { get; init; }
    /// <summary>The cluster's WAL segment size in bytes.</summary>
    [JsonPropertyName("segmentSize")] public long SegmentSize { get; init; }
    /// <summary>When the binding was made (UTC).</summary>
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    /// <summary>The host that made it.</summary>
    [JsonPropertyName("host")] public string Host { get; init; } = "";
}
