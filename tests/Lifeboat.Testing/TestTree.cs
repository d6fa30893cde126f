using Lifeboat.FileSystem;

namespace Lifeboat.Testing;

/// <summary>
/// The kinds of entry an ordinary system tree holds besides plain files, for round-trip tests: symbolic links relative
/// and absolute, to files and to directories (Debian links doc directories this way), dangling, to a parent; hard links;
/// a FIFO; and, as root, a character device. Sockets are not here: a backup leaves them out.
/// </summary>
public static class TestTree
{
    /// <summary>
    /// Creates below <paramref name="root"/> (an absolute path): doc/gcc-12/{copyright, changelog.gz, up -> ..};
    /// doc/changelog-hardlink.gz (a hard link); doc/cpp-12 -> gcc-12 and doc/g++ -> ./gcc-12/ (relative links to a
    /// directory), doc/abs-dir and doc/abs-file (absolute links to a directory and a file), doc/rel-file (relative, to a
    /// file), doc/dangling; special/pipe (a FIFO, mode 0640) and, as root, special/null (character device 1:3, owned by
    /// 4321:8765; doc/cpp-12 is owned by them too).
    /// </summary>
    public static void WriteEveryKind(string root)
    {
        var doc = Path.Combine(root, "doc");
        var gcc = Path.Combine(doc, "gcc-12");
        TestData.Write(Path.Combine(gcc, "copyright"), "Copyright: GPL-3+\n"u8.ToArray());
        TestData.Write(Path.Combine(gcc, "changelog.gz"), TestData.Random(5_000, 42));
        Posix.Link(Path.Combine(gcc, "changelog.gz"), Path.Combine(doc, "changelog-hardlink.gz"));
        Posix.Symlink("gcc-12", Path.Combine(doc, "cpp-12"));
        Posix.Symlink("./gcc-12/", Path.Combine(doc, "g++"));
        Posix.Symlink(gcc, Path.Combine(doc, "abs-dir"));
        Posix.Symlink("gcc-12/copyright", Path.Combine(doc, "rel-file"));
        Posix.Symlink(Path.Combine(gcc, "copyright"), Path.Combine(doc, "abs-file"));
        Posix.Symlink("missing/target", Path.Combine(doc, "dangling"));
        Posix.Symlink("..", Path.Combine(gcc, "up"));
        var special = Path.Combine(root, "special");
        Directory.CreateDirectory(special);
        Posix.MakeNode(Path.Combine(special, "pipe"), FileStatus.FifoType | 0x1A0, 0);
        File.SetUnixFileMode(Path.Combine(special, "pipe"), (UnixFileMode)0x1A0);
        if (Posix.CurrentUid != 0)
        {
            return;
        }
        // Device 1:3 is /dev/null; makedev puts the major number in bits 8 to 19.
        Posix.MakeNode(Path.Combine(special, "null"), FileStatus.CharacterDeviceType | 0x1B6, (1u << 8) | 3u);
        Posix.LChown(Path.Combine(special, "null"), 4321, 8765);
        Posix.LChown(Path.Combine(doc, "cpp-12"), 4321, 8765);
    }

    /// <summary>
    /// Every entry below <paramref name="root"/>, as paths relative to it, found without following any symbolic link.
    /// </summary>
    public static List<string> Entries(string root)
    {
        var found = new List<string>();
        var pending = new Stack<string>([""]);
        while (pending.Count > 0)
        {
            var relative = pending.Pop();
            foreach (var name in Directory.EnumerateFileSystemEntries(Path.Combine(root, relative)).Select(Path.GetFileName))
            {
                var child = relative.Length == 0 ? name! : relative + "/" + name;
                found.Add(child);
                if (Posix.LStat(Path.Combine(root, child)).IsDirectory)
                {
                    pending.Push(child);
                }
            }
        }
        return found;
    }

    /// <summary>Restore's temporary names (<c>.lb-…</c>) of any kind left below <paramref name="root"/>.</summary>
    public static List<string> Temporaries(string root) =>
        [.. Entries(root).Where(e => Path.GetFileName(e).StartsWith(".lb-", StringComparison.Ordinal))];
}
