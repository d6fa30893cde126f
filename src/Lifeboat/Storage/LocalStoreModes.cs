using Lifeboat.FileSystem;

namespace Lifeboat.Storage;

/// <summary>
/// The permissions <see cref="LocalBlobStore"/> gives what it creates, whatever the process's umask: folders 0700 and
/// objects 0400 (read-only once complete; 0600 while being written), so no other user of the host can copy a key file
/// or read the repository's sizes and structure. When the repository's top folder was made group-accessible (the group
/// may read and search it, others may not), the store follows it like restic does: folders 0750 and objects 0440.
/// Deleting a read-only object needs write permission on its folder only, which the owner has.
/// <para>
/// When root writes into a repository whose top folder belongs to another user (a repository of the postgres user that
/// root's <c>wal receive</c> or a restore also writes to), what it creates is given to that folder's owner and group:
/// otherwise an object only root can read would make the repository unreadable to its own user (PostgreSQL's
/// <c>restore_command</c> runs as postgres).
/// </para>
/// </summary>
internal sealed record LocalStoreModes(UnixFileMode Folder, UnixFileMode File)
{
    private const UnixFileMode GroupAccess = UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode OtherAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Only the owner: folders 0700, objects 0400.</summary>
    public static readonly LocalStoreModes Private = new(
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, UnixFileMode.UserRead);

    /// <summary>The owner, and the group for reading: folders 0750, objects 0440.</summary>
    public static readonly LocalStoreModes Group = new(Private.Folder | GroupAccess, Private.File | UnixFileMode.GroupRead);

    /// <summary>The mode an object has while it is written, before it is made read-only.</summary>
    public UnixFileMode Writing => File | UnixFileMode.UserWrite;

    /// <summary>The owner and group what is created is given to; null: the process's own.</summary>
    public (uint Uid, uint Gid)? Owner { get; init; }

    /// <summary>The modes for a repository whose top folder has <paramref name="root"/>'s mode.</summary>
    public static LocalStoreModes Of(UnixFileMode root) =>
        (root & GroupAccess) == GroupAccess && (root & OtherAccess) == 0 ? Group : Private;

    /// <summary>The modes and owner for the repository whose top folder is <paramref name="root"/>.</summary>
    public static LocalStoreModes OfFolder(string root)
    {
        var modes = Of(System.IO.File.GetUnixFileMode(root));
        if (Posix.CurrentUid != 0)
        {
            return modes;
        }
        var top = Posix.LStat(root);
        return top.Uid == 0 ? modes : modes with { Owner = (top.Uid, top.Gid) };
    }

    /// <summary>Gives a folder or an object (not yet under its final name) to <see cref="Owner"/>, if there is one.</summary>
    public void GiveAway(string path)
    {
        if (Owner is { } owner)
        {
            Posix.LChown(path, owner.Uid, owner.Gid);
        }
    }
}
