namespace Lifeboat.Testing;

/// <summary>Deterministic test content.</summary>
public static class TestData
{
    /// <summary>Pseudo-random bytes from a seed.</summary>
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Compressible text-like bytes from a seed.</summary>
    public static byte[] Text(int length, int seed)
    {
        var random = new Random(seed);
        string[] words = ["backup", "restore", "chunk", "pack", "snapshot", "tree", "index", "verify", "drill", "lifeboat"];
        var builder = new System.Text.StringBuilder(length + 16);
        while (builder.Length < length)
        {
            builder.Append(words[random.Next(words.Length)]).Append(random.Next(10) == 0 ? '\n' : ' ');
        }
        return System.Text.Encoding.ASCII.GetBytes(builder.ToString(0, length));
    }

    /// <summary>Writes a file, creating its directory.</summary>
    public static string Write(string path, byte[] content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }
}
