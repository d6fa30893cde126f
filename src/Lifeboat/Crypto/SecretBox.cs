using System.Security.Cryptography;

namespace Lifeboat.Crypto;

/// <summary>
/// AES-256-GCM sealing of stored objects. Sealed form: 12-byte random nonce, ciphertext, 16-byte tag.
/// The associated data binds an object to its role (a chunk to its ID, a snapshot to "snapshot"), so a stored
/// object cannot be swapped for another without detection. Safe for concurrent use.
/// </summary>
public sealed class SecretBox
{
    /// <summary>Bytes added by sealing: nonce plus tag.</summary>
    public const int Overhead = NonceSize + TagSize;
    /// <summary>Bytes of the random nonce that starts every sealed object.</summary>
    public const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly ThreadLocal<AesGcm> _aes;

    /// <summary>Creates a box for a 32-byte key.</summary>
    public SecretBox(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("AES-256 needs a 32-byte key", nameof(key));
        }
        _aes = new ThreadLocal<AesGcm>(() => new AesGcm(key, TagSize));
    }

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="destination"/> (length + <see cref="Overhead"/>); returns bytes written.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var sealedLength = plaintext.Length + Overhead;
        if (destination.Length < sealedLength)
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }
        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        _aes.Value!.Encrypt(nonce, plaintext, destination.Slice(NonceSize, plaintext.Length),
            destination.Slice(NonceSize + plaintext.Length, TagSize), associatedData);
        return sealedLength;
    }

    /// <summary>
    /// Seals the <paramref name="length"/> plaintext bytes already placed at <paramref name="buffer"/>[<see cref="NonceSize"/>..],
    /// in place; the buffer needs <see cref="Overhead"/> bytes beyond the plaintext. Returns the sealed length.
    /// </summary>
    public int SealInPlace(Span<byte> buffer, int length, ReadOnlySpan<byte> associatedData)
    {
        if (buffer.Length < length + Overhead)
        {
            throw new ArgumentException("buffer too small", nameof(buffer));
        }
        var nonce = buffer[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var text = buffer.Slice(NonceSize, length);
        _aes.Value!.Encrypt(nonce, text, text, buffer.Slice(NonceSize + length, TagSize), associatedData);
        return length + Overhead;
    }

    /// <summary>Seals into a new array.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var result = new byte[plaintext.Length + Overhead];
        Seal(plaintext, associatedData, result);
        return result;
    }

    /// <summary>
    /// Opens a sealed object into <paramref name="destination"/>; returns the plaintext length.
    /// Throws <see cref="CorruptObjectException"/> when the object was altered, truncated or sealed for another role.
    /// </summary>
    public int Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        if (sealedData.Length < Overhead)
        {
            throw new CorruptObjectException($"sealed object is {sealedData.Length} bytes, shorter than its {Overhead}-byte envelope");
        }
        var length = sealedData.Length - Overhead;
        try
        {
            _aes.Value!.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, length),
                sealedData[^TagSize..], destination[..length], associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CorruptObjectException("authentication failed: the object was altered or damaged");
        }
        return length;
    }

    /// <summary>Opens into a new array.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData)
    {
        var result = new byte[Math.Max(0, sealedData.Length - Overhead)];
        Open(sealedData, associatedData, result);
        return result;
    }
}
