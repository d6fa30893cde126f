namespace Lifeboat.Storage;

/// <summary>
/// The permissions <see cref="LocalBlobStore"/> gives what it creates, whatever the process's umask: folders 0700 and
/// objects 0400 (read-only once complete; 0600 while being written), so no other user of the host can copy a key file
/// or read the repository's sizes and structure. When the repository's top folder was made group-accessible (the group
/// may read and search it, others may not), the store follows it like restic does: folders 0750 and objects 0440.
/// Deleting a read-only object needs write permission on its folder only, which the owner has.
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

    /// <summary>The modes for a repository whose top folder has <paramref name="root"/>'s mode.</summary>
    public static LocalStoreModes Of(UnixFileMode root) =>
        (root & GroupAccess) == GroupAccess && (root & OtherAccess) == 0 ? Group : Private;
}
