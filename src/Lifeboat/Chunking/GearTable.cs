using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Lifeboat.Chunking;

/// <summary>
/// The 256 random 64-bit values of the gear hash. Derived from a per-repository secret seed, so chunk boundaries
/// (and hence chunk sizes) cannot be predicted from content by someone without the key.
/// Entry i is the first 8 bytes, little-endian, of SHA-256(seed ‖ i) where i is one byte.
/// </summary>
public sealed class GearTable
{
    private GearTable(ulong[] values) => Values = values;

    /// <summary>The table.</summary>
    public ulong[] Values { get; }

    /// <summary>Derives the table from a seed (32 bytes in repositories).</summary>
    public static GearTable FromSeed(ReadOnlySpan<byte> seed)
    {
        var values = new ulong[256];
        var input = new byte[seed.Length + 1];
        seed.CopyTo(input);
        Span<byte> digest = stackalloc byte[32];
        for (var i = 0; i < 256; i++)
        {
            input[^1] = (byte)i;
            SHA256.HashData(input, digest);
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(digest);
        }
        return new GearTable(values);
    }
}
