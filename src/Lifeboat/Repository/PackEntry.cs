using System.Buffers.Binary;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// Where one sealed chunk sits inside a pack. Serialized in pack headers and index files as 46 bytes:
/// type u8, flags u8 (bit 0: zstd-compressed), ID 32 bytes, offset u32 LE, stored length u32 LE, raw length u32 LE.
/// </summary>
public readonly record struct PackEntry(ChunkType Type, byte Flags, Digest Id, uint Offset, uint StoredLength, uint RawLength)
{
    /// <summary>Serialized size in bytes.</summary>
    public const int Size = 46;

    /// <summary>Flag bit: the plaintext inside the seal is a zstd frame.</summary>
    public const byte Compressed = 1;

    /// <summary>The largest chunk (data or tree) the format allows: 256 MiB.</summary>
    public const int MaxRawLength = 256 * 1024 * 1024;

    /// <summary>Whether the chunk was compressed.</summary>
    public bool IsCompressed => (Flags & Compressed) != 0;

    /// <summary>Writes the 46-byte form.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        destination[1] = Flags;
        Id.Write(destination[2..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[34..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[38..], StoredLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[42..], RawLength);
    }

    /// <summary>Reads the 46-byte form; throws <see cref="CorruptObjectException"/> on impossible values.</summary>
    public static PackEntry Read(ReadOnlySpan<byte> source)
    {
        var type = source[0];
        var flags = source[1];
        if (type > (byte)ChunkType.Tree || (flags & ~Compressed) != 0)
        {
            throw new CorruptObjectException($"pack entry has unknown type {type} or flags {flags}");
        }
        var entry = new PackEntry((ChunkType)type, flags, Digest.Read(source[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[34..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[38..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[42..]));
        if (entry.StoredLength < SecretBox.Overhead || entry.RawLength > MaxRawLength
            || entry.StoredLength > (long)MaxRawLength + MaxRawLength / 128 + 1024 * 1024)
        {
            throw new CorruptObjectException($"pack entry {entry.Id.Short} has impossible lengths");
        }
        return entry;
    }
}
