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
    /// <summary>"file", "dir", "symlink", "fifo", "chardev" or "blockdev" (<see cref="File"/> and the other constants).</summary>
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
    /// <summary>The device number the device stands for, <c>st_rdev</c> (character and block devices).</summary>
    [JsonPropertyName("rdev")] public ulong? DeviceNumber { get; init; }

    /// <summary>Node type names.</summary>
    public const string File = "file", Directory = "dir", Symlink = "symlink";

    /// <summary>
    /// Node type names of the special files a backup records and a restore recreates (mknod): a FIFO (named pipe), a
    /// character device and a block device. They have no content; sockets are never recorded.
    /// </summary>
    public const string Fifo = "fifo", CharacterDevice = "chardev", BlockDevice = "blockdev";

    /// <summary>Whether <paramref name="type"/> is one of the node types a tree may hold.</summary>
    public static bool IsKnownType(string type) => type is File or Directory or Symlink || SpecialFileType(type) is not null;

    /// <summary>
    /// The file type bits (<c>S_IFMT</c>) of a special node type, what mknod creates; null for file, dir, symlink and
    /// unknown types.
    /// </summary>
    public static uint? SpecialFileType(string type) => type switch
    {
        Fifo => FileSystem.FileStatus.FifoType,
        CharacterDevice => FileSystem.FileStatus.CharacterDeviceType,
        BlockDevice => FileSystem.FileStatus.BlockDeviceType,
        _ => null,
    };

    /// <summary>The special node type of an entry of file type <paramref name="fileType"/> (<c>S_IFMT</c> bits), or null when it is none.</summary>
    public static string? SpecialType(uint fileType) => fileType switch
    {
        FileSystem.FileStatus.FifoType => Fifo,
        FileSystem.FileStatus.CharacterDeviceType => CharacterDevice,
        FileSystem.FileStatus.BlockDeviceType => BlockDevice,
        _ => null,
    };
}
