using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

public sealed class RdbKeyCounterTests
{
    [Fact]
    public async Task A_real_rdb_of_every_type_is_counted_per_database_with_its_ttls()
    {
        using var repository = await RedisRepository.CreateAsync();
        var rdb = await repository.RealRdbAsync();

        var counts = RdbKeyCounter.Count(new MemoryStream(rdb));

        Assert.Equal(10, counts.Version);
        Assert.Equal(new Dictionary<long, long> { [0] = 14, [1] = 500, [7] = 1 }, counts.Keys);
        Assert.Equal(new Dictionary<long, long> { [0] = 1, [7] = 1 }, counts.Expires);
    }

    [Fact]
    public async Task A_truncated_or_foreign_file_is_refused_with_a_reason_at_every_cut()
    {
        using var repository = await RedisRepository.CreateAsync();
        var rdb = await repository.RealRdbAsync();

        for (var cut = 0; cut < rdb.Length; cut += 997)
        {
            Assert.Throws<InvalidDataException>(() => RdbKeyCounter.Count(new MemoryStream(rdb[..cut])));
        }
        Assert.Contains("not an RDB file", Assert.Throws<InvalidDataException>(() => RdbKeyCounter.Count(new MemoryStream("PGDMP0000"u8.ToArray()))).Message);
        Assert.Contains("newer", Assert.Throws<InvalidDataException>(() => RdbKeyCounter.Count(new MemoryStream([.. "REDIS0099"u8, 0xFF]))).Message);
    }
}
