using Lifeboat.FileSystem;

namespace Lifeboat.Cli.Commands;

/// <summary>Compares two directory trees: names, types, contents byte for byte, modes, mtimes, symlink targets and device numbers.</summary>
public static class TreeComparer
{
    /// <summary>Every difference found, as "path: what differs"; empty when identical.</summary>
    public static List<string> Compare(string expected, string actual)
    {
        var differences = new List<string>();
        CompareEntry(expected, actual, "", differences);
        return differences;
    }

    private static void CompareEntry(string expected, string actual, string relative, List<string> differences)
    {
        FileStatus a, b;
        try
        {
            b = Posix.LStat(actual);
        }
        catch (FileNotFoundException)
        {
            differences.Add($"{relative}: missing");
            return;
        }
        a = Posix.LStat(expected);
        if ((a.Mode & 0xF000) != (b.Mode & 0xF000) || a.Permissions != b.Permissions)
        {
            differences.Add($"{relative}: type or mode {Convert.ToString(a.Mode, 8)} vs {Convert.ToString(b.Mode, 8)}");
            return;
        }
        if (a.SpecialDevice != b.SpecialDevice)
        {
            differences.Add($"{relative}: device number {a.SpecialDevice} vs {b.SpecialDevice}");
        }
        if (a.IsSymlink)
        {
            if (new FileInfo(expected).LinkTarget != new FileInfo(actual).LinkTarget)
            {
                differences.Add($"{relative}: symlink target differs");
            }
            return;
        }
        if (a.MtimeNanos != b.MtimeNanos)
        {
            differences.Add($"{relative}: mtime differs");
        }
        if (a.IsRegularFile)
        {
            if (a.Size != b.Size || !SameContent(expected, actual))
            {
                differences.Add($"{relative}: content differs");
            }
            return;
        }
        if (a.IsDirectory)
        {
            var names = Directory.EnumerateFileSystemEntries(expected).Select(Path.GetFileName)
                .Union(Directory.EnumerateFileSystemEntries(actual).Select(Path.GetFileName)).Order(StringComparer.Ordinal);
            foreach (var name in names)
            {
                CompareEntry(Path.Combine(expected, name!), Path.Combine(actual, name!), relative + "/" + name, differences);
            }
        }
    }

    private static bool SameContent(string left, string right)
    {
        using var a = File.OpenRead(left);
        using var b = File.OpenRead(right);
        var bufferA = new byte[1 << 20];
        var bufferB = new byte[1 << 20];
        while (true)
        {
            var readA = a.ReadAtLeast(bufferA, bufferA.Length, throwOnEndOfStream: false);
            var readB = b.ReadAtLeast(bufferB, bufferB.Length, throwOnEndOfStream: false);
            if (readA != readB || !bufferA.AsSpan(0, readA).SequenceEqual(bufferB.AsSpan(0, readB)))
            {
                return false;
            }
            if (readA == 0)
            {
                return true;
            }
        }
    }
}
