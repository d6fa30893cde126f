using System.Text.Json.Serialization;
using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// One entry of a directory listing. Times are nanoseconds since the Unix epoch. Files list their content chunks in
/// order and a content hash over all of them, checked again on restore.
/// </summary>
public sealed record TreeNode
{
    /// <summary>File name (no path separators).</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>"file", "dir" or "symlink".</summary>
    [JsonPropertyName("type")] public string Type { get; init; } = "";
    /// <summary>Permission bits including setuid/setgid/sticky (mode &amp; 07777).</summary>
    [JsonPropertyName("mode")] public int Mode { get; init; }
    /// <summary>Owner user ID.</summary>
    [JsonPropertyName("uid")] public uint Uid { get; init; }
    /// <summary>Owner group ID.</summary>
    [JsonPropertyName("gid")] public uint Gid { get; init; }
    /// <summary>Modification time.</summary>
    [JsonPropertyName("mtime")] public long MtimeNanos { get; init; }
    /// <summary>Status change time (change detection only).</summary>
    [JsonPropertyName("ctime")] public long CtimeNanos { get; init; }
    /// <summary>Device number (hard-link and change detection).</summary>
    [JsonPropertyName("device")] public ulong Device { get; init; }
    /// <summary>Inode number (hard-link and change detection).</summary>
    [JsonPropertyName("inode")] public ulong Inode { get; init; }
    /// <summary>Hard-link count at backup time.</summary>
    [JsonPropertyName("links")] public ulong Links { get; init; }
    /// <summary>File size in bytes.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }
    /// <summary>Content chunk IDs in order (files).</summary>
    [JsonPropertyName("content")] public IReadOnlyList<Digest>? Content { get; init; }
    /// <summary>
    /// The file's content hash, hex: SHA-256 over the concatenated SHA-256 digests of its chunks' plaintext, in order
    /// (the SHA-256 of no bytes for an empty file). Restore recomputes it from the bytes it writes.
    /// </summary>
    [JsonPropertyName("contentHash")] public string? ContentHash { get; init; }
    /// <summary>Link target (symlinks).</summary>
    [JsonPropertyName("target")] public string? Target { get; init; }
    /// <summary>The listing's chunk ID (directories).</summary>
    [JsonPropertyName("subtree")] public Digest? Subtree { get; init; }

    /// <summary>Node type names.</summary>
    public const string File = "file", Directory = "dir", Symlink = "symlink";
}
