using System.Security.Cryptography;
using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// A file's content hash: SHA-256 over the concatenated SHA-256 digests of its chunks' plaintext, in file order.
/// A hash list over the whole content, built from the per-chunk hashes backup and restore compute anyway, so it
/// costs no extra pass over the data.
/// </summary>
public static class ContentHash
{
    /// <summary>The content hash, lower-case hex, of a file made of chunks with these plaintext hashes.</summary>
    public static string Of(ReadOnlySpan<Digest> chunkHashes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> bytes = stackalloc byte[Digest.Size];
        foreach (var chunk in chunkHashes)
        {
            chunk.Write(bytes);
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
