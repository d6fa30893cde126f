using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Lifeboat.Crypto;

/// <summary>
/// The repository's secrets: a 256-bit AES-GCM key for every stored object and a 256-bit HMAC key for chunk IDs.
/// Created once at <c>init</c>; stored only wrapped in key files.
/// </summary>
public sealed class MasterKey
{
    /// <summary>The serialized length: encryption key then chunk-ID key.</summary>
    public const int Size = 64;

    private readonly byte[] _chunkIdKey;

    // Keyed HMAC states, reused: a one-shot HMAC sets up its OpenSSL context for every chunk (twice per new chunk,
    // with the check before upload), about twice the cost of the hash itself.
    private readonly ConcurrentBag<IncrementalHash> _idMacs = [];

    private MasterKey(byte[] encryptionKey, byte[] chunkIdKey)
    {
        EncryptionKey = encryptionKey;
        _chunkIdKey = chunkIdKey;
        Box = new SecretBox(encryptionKey);
    }

    /// <summary>The AES-256-GCM key.</summary>
    internal byte[] EncryptionKey { get; }

    /// <summary>Encrypts and decrypts objects under <see cref="EncryptionKey"/>.</summary>
    public SecretBox Box { get; }

    /// <summary>A fresh random master key.</summary>
    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A fresh encryption key that shares <paramref name="source"/>'s chunk-ID key, so the same content gets the same
    /// chunk ID in both repositories and <c>copy</c> sends only chunks the destination lacks.
    /// </summary>
    public static MasterKey WithChunkIdsOf(MasterKey source) => new(RandomNumberGenerator.GetBytes(32), (byte[])source._chunkIdKey.Clone());

    /// <summary>Reads the 64-byte serialized form.</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new CryptographicException("master key has the wrong length");
        }
        return new MasterKey(bytes[..32].ToArray(), bytes[32..].ToArray());
    }

    /// <summary>The 64-byte serialized form (only ever stored encrypted).</summary>
    public byte[] ToBytes() => [.. EncryptionKey, .. _chunkIdKey];

    /// <summary>
    /// The chunk's ID: HMAC-SHA256, under the chunk-ID key, of the SHA-256 of its plaintext. One pass over the data
    /// gives both the ID and the plain hash (<paramref name="sha256"/>) that file content hashes are built from.
    /// </summary>
    public Digest IdOf(ReadOnlySpan<byte> plaintext, out Digest sha256)
    {
        sha256 = Digest.Sha256(plaintext);
        return IdOfHash(sha256);
    }

    /// <summary>The chunk's ID.</summary>
    public Digest IdOf(ReadOnlySpan<byte> plaintext) => IdOf(plaintext, out _);

    /// <summary>The ID of a chunk whose plaintext SHA-256 is <paramref name="sha256"/>.</summary>
    public Digest IdOfHash(Digest sha256)
    {
        Span<byte> hash = stackalloc byte[Digest.Size];
        sha256.Write(hash);
        Span<byte> mac = stackalloc byte[Digest.Size];
        var hmac = _idMacs.TryTake(out var pooled) ? pooled : IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _chunkIdKey);
        hmac.AppendData(hash);
        hmac.GetHashAndReset(mac);
        _idMacs.Add(hmac);
        return Digest.Read(mac);
    }
}
