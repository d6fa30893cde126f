using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Lifeboat.Crypto;

/// <summary>
/// A 32-byte hash: a chunk's ID (HMAC-SHA256 of its plaintext's SHA-256 under the chunk-ID key, so IDs reveal nothing about
/// content) or an object's name (SHA-256 of its stored bytes). Four integers, so the in-memory index holds no arrays.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
[System.Text.Json.Serialization.JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest(ulong A, ulong B, ulong C, ulong D) : IComparable<Digest>
{
    /// <summary>The length of an ID in bytes.</summary>
    public const int Size = 32;

    /// <summary>Reads an ID from its 32-byte big-endian form.</summary>
    public static Digest Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bytes),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));

    /// <summary>Writes the 32-byte big-endian form (the same bytes the HMAC produced).</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, A);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
    }

    /// <summary>Parses 64 hex characters; throws <see cref="FormatException"/> otherwise.</summary>
    public static Digest Parse(string hex)
    {
        if (hex.Length != Size * 2)
        {
            throw new FormatException($"'{hex}' is not a 64-character hex ID");
        }
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new FormatException($"'{hex}' is not a 64-character hex ID");
        }
        return Read(bytes);
    }

    /// <summary>Parses 64 hex characters; false otherwise.</summary>
    public static bool TryParse(string? hex, out Digest digest)
    {
        Span<byte> bytes = stackalloc byte[Size];
        if (hex is { Length: Size * 2 } && Convert.FromHexString(hex, bytes, out _, out _) == System.Buffers.OperationStatus.Done)
        {
            digest = Read(bytes);
            return true;
        }
        digest = default;
        return false;
    }

    /// <summary>The ID as 64 lower-case hex characters.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        Write(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The SHA-256 of <paramref name="data"/>.</summary>
    public static Digest Sha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        System.Security.Cryptography.SHA256.HashData(data, hash);
        return Read(hash);
    }

    /// <summary>Orders as the big-endian bytes (and so the hex names) do.</summary>
    public int CompareTo(Digest other)
    {
        var order = A.CompareTo(other.A);
        if (order == 0) order = B.CompareTo(other.B);
        if (order == 0) order = C.CompareTo(other.C);
        return order != 0 ? order : D.CompareTo(other.D);
    }

    /// <summary>The first eight hex characters, for messages.</summary>
    public string Short => ToString()[..8];
}
