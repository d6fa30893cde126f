using System.Security.Cryptography;
using System.Text;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

public sealed class Crc64Tests
{
    [Fact]
    public void The_check_value_of_123456789_is_the_one_redis_crc64_c_gives() =>
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Computing_in_pieces_of_any_size_gives_the_same_crc_as_at_once()
    {
        var data = RandomNumberGenerator.GetBytes(10_007);
        var whole = Crc64.Compute(data);
        foreach (var piece in new[] { 1, 3, 7, 8, 9, 64, 1000 })
        {
            ulong crc = 0;
            for (var offset = 0; offset < data.Length; offset += piece)
            {
                crc = Crc64.Update(crc, data.AsSpan(offset, Math.Min(piece, data.Length - offset)));
            }
            Assert.Equal(whole, crc);
        }
    }

    [Fact]
    public void The_eight_byte_step_agrees_with_the_bitwise_definition()
    {
        var data = RandomNumberGenerator.GetBytes(999);
        ulong expected = 0;
        foreach (var b in data)
        {
            expected ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                expected = (expected & 1) != 0 ? (expected >> 1) ^ 0x95ac9329ac4bc9b5UL : expected >> 1;
            }
        }
        Assert.Equal(expected, Crc64.Compute(data));
    }
}
