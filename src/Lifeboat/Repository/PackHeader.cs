using System.Buffers.Binary;
using System.Text;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// A pack's self-description, so indexes can be rebuilt from packs alone. A pack is
/// <c>sealed chunk* ‖ sealed header ‖ header length (u32 LE)</c>; the header plaintext is
/// <c>"LBPK" ‖ version u8 (1) ‖ count u32 LE ‖ entry*</c>, sealed with associated data "lifeboat-pack-header".
/// </summary>
public static class PackHeader
{
    private const int FixedSize = 9;
    private static ReadOnlySpan<byte> Magic => "LBPK"u8;
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("lifeboat-pack-header");

    /// <summary>Size of the trailing length field.</summary>
    public const int TrailerSize = 4;

    /// <summary>Builds the sealed header plus trailer to append after the chunks.</summary>
    public static byte[] Build(IReadOnlyList<PackEntry> entries, SecretBox box)
    {
        var plain = new byte[FixedSize + entries.Count * PackEntry.Size];
        Magic.CopyTo(plain);
        plain[4] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(5), (uint)entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i].Write(plain.AsSpan(FixedSize + i * PackEntry.Size));
        }
        var result = new byte[plain.Length + SecretBox.Overhead + TrailerSize];
        var sealedLength = box.Seal(plain, AssociatedData, result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(sealedLength), (uint)sealedLength);
        return result;
    }

    /// <summary>The sealed header's length, read from a pack's last four bytes.</summary>
    public static int ReadTrailer(ReadOnlySpan<byte> trailer, long packSize)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (length < FixedSize + SecretBox.Overhead || length > packSize - TrailerSize)
        {
            throw new CorruptObjectException($"pack trailer gives an impossible header length {length} for a {packSize}-byte pack");
        }
        return (int)length;
    }

    /// <summary>Opens and parses a sealed header; checks every entry lies inside the pack's chunk area.</summary>
    public static List<PackEntry> Parse(ReadOnlySpan<byte> sealedHeader, long packSize, SecretBox box)
    {
        var plain = box.Open(sealedHeader, AssociatedData);
        if (plain.Length < FixedSize || !plain.AsSpan(0, 4).SequenceEqual(Magic) || plain[4] != 1)
        {
            throw new CorruptObjectException("pack header has a bad magic or version");
        }
        var count = BinaryPrimitives.ReadUInt32LittleEndian(plain.AsSpan(5));
        if (plain.Length != FixedSize + (long)count * PackEntry.Size)
        {
            throw new CorruptObjectException($"pack header claims {count} entries but holds {plain.Length} bytes");
        }
        var chunkArea = packSize - TrailerSize - sealedHeader.Length;
        var entries = new List<PackEntry>((int)count);
        for (var i = 0; i < count; i++)
        {
            var entry = PackEntry.Read(plain.AsSpan(FixedSize + i * PackEntry.Size));
            if ((long)entry.Offset + entry.StoredLength > chunkArea)
            {
                throw new CorruptObjectException($"pack entry {entry.Id.Short} points past the pack's chunk area");
            }
            entries.Add(entry);
        }
        return entries;
    }
}
