using Lifeboat.FileSystem;
using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>Applies a node's owner, mode and mtime to a restored path.</summary>
internal static class Metadata
{
    private static readonly bool IsRoot = Posix.CurrentUid == 0;

    /// <summary>Owner first (chown clears setuid bits), then mode (not on symlinks), then mtime.</summary>
    public static void Apply(string path, TreeNode node, bool isSymlink)
    {
        if (IsRoot)
        {
            Posix.LChown(path, node.Uid, node.Gid);
        }
        if (!isSymlink)
        {
            File.SetUnixFileMode(path, (UnixFileMode)(node.Mode & 0xFFF));
        }
        Posix.SetTimes(path, node.MtimeNanos, followSymlink: false);
    }
}
