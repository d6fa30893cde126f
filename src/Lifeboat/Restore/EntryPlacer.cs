using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>
/// Restores the entries that have no content of their own (symbolic links, hard links, FIFOs and devices): each is
/// made under a temporary name beside its final one, given its metadata, and renamed into place with rename(2), which
/// replaces an existing entry without following it and treats a link to a directory like any other link. When a step
/// fails the temporary name is removed, so nothing is left behind that the report does not name.
/// </summary>
internal static class EntryPlacer
{
    /// <summary>Recreates a symbolic link with its target text as recorded (relative or absolute, to anything or nothing).</summary>
    public static void Symlink(RestoreItem item) =>
        Place(item, temporary => Posix.Symlink(item.Node.Target ?? "", temporary), applyMetadata: true);

    /// <summary>Recreates a FIFO or a character or block device (mknod); devices need root.</summary>
    public static void Special(RestoreItem item)
    {
        var type = TreeNode.SpecialFileType(item.Node.Type)
            ?? throw new ArgumentException($"{item.SnapshotPath} is a {item.Node.Type}, not a special file");
        Place(item, temporary => Posix.MakeNode(temporary, type | (uint)(item.Node.Mode & 0xFFF), item.Node.DeviceNumber ?? 0), applyMetadata: true);
    }

    /// <summary>Makes <paramref name="item"/> a hard link to the already restored <paramref name="partner"/> (which carries the metadata).</summary>
    public static void HardLink(RestoreItem item, string partner) =>
        Place(item, temporary => Posix.Link(partner, temporary), applyMetadata: false);

    private static void Place(RestoreItem item, Action<string> create, bool applyMetadata)
    {
        var temporary = FileRestorer.TemporaryPath(item.TargetPath);
        create(temporary);
        try
        {
            if (applyMetadata)
            {
                Metadata.Apply(temporary, item.Node, isSymlink: item.Node.Type == TreeNode.Symlink);
            }
            Posix.Rename(temporary, item.TargetPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{e.Message} The temporary entry {temporary} could not be removed either: {cleanup.Message}", e);
            }
            throw;
        }
    }
}
