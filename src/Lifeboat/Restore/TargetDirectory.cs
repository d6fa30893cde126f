using Lifeboat.FileSystem;

namespace Lifeboat.Restore;

/// <summary>
/// Makes a directory of the restore target without ever following a symbolic link: a symlink where the snapshot has a
/// directory (left by an earlier restore, or planted) is replaced by a real directory, so nothing is written through
/// it to a place outside the target. Its parent must already have been made this way.
/// </summary>
internal static class TargetDirectory
{
    /// <summary>Ensures <paramref name="path"/> is a real directory; throws <see cref="IOException"/> when something else is in the way.</summary>
    public static void Ensure(string path)
    {
        FileStatus status;
        try
        {
            status = Posix.LStat(path);
        }
        catch (FileNotFoundException)
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (status.IsDirectory)
        {
            return;
        }
        if (status.IsSymlink)
        {
            File.Delete(path); // removes the link itself, never what it points to
            Directory.CreateDirectory(path);
            return;
        }
        throw new IOException($"{path} exists and is not a directory; move it away to restore this directory");
    }
}
