using System.Text.Json.Serialization;
using Lifeboat.Crypto;

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

    /// <summary>
    /// This snapshot as read from storage, checked field by field (format §9): a required field that is null or holds
    /// null entries, or a root tree that is not a chunk ID, throws <see cref="CorruptObjectException"/> naming the field;
    /// null <c>tags</c> and <c>username</c> (informational) read as empty. Authenticated JSON can still be hostile: this
    /// is what keeps a null from reaching a command as a crash.
    /// </summary>
    public Snapshot Validated()
    {
        // JSON null overrides the initializers, so the non-nullable properties can hold null here.
        static CorruptObjectException Invalid(string field, string what) => new($"field '{field}' {what}");
        if (Component is null || Host is null || Tree is null)
        {
            throw Invalid(Component is null ? "component" : Host is null ? "host" : "tree", "is null");
        }
        if (Paths is null || Paths.Any(p => p is null))
        {
            throw Invalid("paths", Paths is null ? "is null" : "holds a null entry");
        }
        if (Source is null || Source.Values.Any(v => v is null))
        {
            throw Invalid("source", Source is null ? "is null" : "holds a null value");
        }
        if (Tags is not null && Tags.Any(t => t is null))
        {
            throw Invalid("tags", "holds a null entry");
        }
        if (!Digest.TryParse(Tree, out _))
        {
            throw Invalid("tree", $"'{Tree}' is not a chunk ID");
        }
        if (Parent is not null && !Digest.TryParse(Parent, out _))
        {
            throw Invalid("parent", $"'{Parent}' is not a snapshot ID");
        }
        return Tags is null || Username is null ? this with { Tags = Tags ?? [], Username = Username ?? "" } : this;
    }
}
