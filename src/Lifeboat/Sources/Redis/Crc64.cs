using System.Buffers.Binary;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// The CRC-64 Redis appends to every RDB file (redis crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected
/// input and output, initial value 0, no final xor. The check value, over "123456789", is 0xe9c6d914c4b8d9ca.
/// Table-driven, eight bytes per step.
/// </summary>
public static class Crc64
{
    // The Jones polynomial with its bits reversed, for the reflected (least significant bit first) form.
    private const ulong ReflectedPolynomial = 0x95ac9329ac4bc9b5;

    private static readonly ulong[][] Tables = BuildTables();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var t = Tables;
        while (data.Length >= 8)
        {
            crc ^= BinaryPrimitives.ReadUInt64LittleEndian(data);
            crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^ t[4][(crc >> 24) & 0xff]
                ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^ t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = t[0][(crc ^ b) & 0xff] ^ (crc >> 8);
        }
        return crc;
    }

    private static ulong[][] BuildTables()
    {
        var tables = new ulong[8][];
        tables[0] = new ulong[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ulong)i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            }
            tables[0][i] = crc;
        }
        for (var k = 1; k < 8; k++)
        {
            tables[k] = new ulong[256];
            for (var i = 0; i < 256; i++)
            {
                var previous = tables[k - 1][i];
                tables[k][i] = (previous >> 8) ^ tables[0][previous & 0xff];
            }
        }
        return tables;
    }
}
