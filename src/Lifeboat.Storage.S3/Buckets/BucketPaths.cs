using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// Where each object's content goes in a bucket snapshot's tree. A key that is a valid relative file path goes to
/// <c>objects/&lt;key relative to the prefix&gt;</c>. A key that is not (an empty, "." or ".." part, as in "a//b" or
/// "dir/"; a NUL; a name over 255 bytes) or that collides with an earlier key (a file where a later key needs a
/// directory, as "a" before "a/b") goes to <c>unmapped/&lt;SHA-256 of the full key, hex&gt;</c>; the manifest
/// names every object's file, so all keys round trip. Keys must be offered in the listing's order.
/// </summary>
public sealed class BucketPaths
{
    /// <summary>The folder of the tree that mirrors the keys.</summary>
    public const string ObjectsFolder = "objects";

    /// <summary>The folder of the tree that holds the content of keys that cannot be paths.</summary>
    public const string UnmappedFolder = "unmapped";

    private const int MaxNameBytes = 255;

    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    /// <summary>How many keys went to <see cref="UnmappedFolder"/>.</summary>
    public int Unmapped { get; private set; }

    /// <summary>The path in the snapshot for the object <paramref name="key"/>, <paramref name="relativeKey"/> being its key below the prefix.</summary>
    public string PathOf(string key, string relativeKey)
    {
        if (IsFilePath(relativeKey) && !Collides(relativeKey))
        {
            _files.Add(relativeKey);
            for (var i = relativeKey.IndexOf('/'); i >= 0; i = relativeKey.IndexOf('/', i + 1))
            {
                _directories.Add(relativeKey[..i]);
            }
            return ObjectsFolder + "/" + relativeKey;
        }
        Unmapped++;
        return UnmappedFolder + "/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Whether <paramref name="relativeKey"/> can be a relative file path: names joined by '/', none empty, ".", ".." or too long.</summary>
    public static bool IsFilePath(string relativeKey) =>
        relativeKey.Split('/').All(n => n is not ("" or "." or "..") && !n.Contains('\0') && Encoding.UTF8.GetByteCount(n) <= MaxNameBytes);

    private bool Collides(string path)
    {
        if (_files.Contains(path) || _directories.Contains(path))
        {
            return true;
        }
        for (var i = path.IndexOf('/'); i >= 0; i = path.IndexOf('/', i + 1))
        {
            if (_files.Contains(path[..i]))
            {
                return true;
            }
        }
        return false;
    }
}
