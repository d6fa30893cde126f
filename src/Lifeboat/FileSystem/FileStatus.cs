namespace Lifeboat.FileSystem;

/// <summary>
/// The <c>lstat</c> metadata of one file-system entry, as the kernel reported it at one moment.
/// Times are nanoseconds since the Unix epoch (UTC), clamped to the range of <see cref="long"/> (about ±292 years).
/// </summary>
/// <param name="Device">The ID of the device holding the entry; with <paramref name="Inode"/> it identifies the file.</param>
/// <param name="Inode">The inode number, shared by every hard link to the same file.</param>
/// <param name="LinkCount">The number of hard links to the file.</param>
/// <param name="Mode">The file type bits (<c>S_IFMT</c>) and the permission bits.</param>
/// <param name="Uid">The owner's user ID.</param>
/// <param name="Gid">The owner's group ID.</param>
/// <param name="Size">The size in bytes; for a symbolic link, the length of its target path.</param>
/// <param name="MtimeNanos">The last modification of the content.</param>
/// <param name="CtimeNanos">The last change of the content or the metadata; it cannot be set from user space.</param>
public readonly record struct FileStatus(
    ulong Device,
    ulong Inode,
    ulong LinkCount,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    long MtimeNanos,
    long CtimeNanos)
{
    // S_IFMT, S_IFDIR, S_IFREG, S_IFLNK and S_IFSOCK: octal 0170000, 0040000, 0100000, 0120000 and 0140000.
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint RegularFileType = 0x8000;
    private const uint SymlinkType = 0xA000;
    private const uint SocketType = 0xC000;

    /// <summary>The file type bits (<c>S_IFIFO</c>, octal 0010000) of a FIFO (named pipe).</summary>
    public const uint FifoType = 0x1000;

    /// <summary>The file type bits (<c>S_IFCHR</c>, octal 0020000) of a character device.</summary>
    public const uint CharacterDeviceType = 0x2000;

    /// <summary>The file type bits (<c>S_IFBLK</c>, octal 0060000) of a block device.</summary>
    public const uint BlockDeviceType = 0x6000;

    // Octal 07777: the permission, set-user-ID, set-group-ID and sticky bits.
    private const uint PermissionMask = 0xFFF;

    /// <summary>Whether the entry is a directory.</summary>
    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    /// <summary>Whether the entry is a regular file.</summary>
    public bool IsRegularFile => (Mode & TypeMask) == RegularFileType;

    /// <summary>Whether the entry is a symbolic link (which <c>lstat</c> never follows).</summary>
    public bool IsSymlink => (Mode & TypeMask) == SymlinkType;

    /// <summary>Whether the entry is a Unix domain socket.</summary>
    public bool IsSocket => (Mode & TypeMask) == SocketType;

    /// <summary>The file type bits alone (<c>Mode &amp; S_IFMT</c>).</summary>
    public uint FileType => Mode & TypeMask;

    /// <summary>The device number a character or block device stands for (<c>st_rdev</c>); 0 for other entries.</summary>
    public ulong SpecialDevice { get; init; }

    /// <summary>The permission bits including set-user-ID, set-group-ID and sticky.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & PermissionMask);
}
