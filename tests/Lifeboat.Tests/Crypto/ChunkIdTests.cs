using System.Security.Cryptography;
using Lifeboat.Crypto;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Crypto;

/// <summary>Chunk IDs are the format's HMAC-SHA256, under the chunk-ID key, of the plaintext's SHA-256.</summary>
public sealed class ChunkIdTests
{
    [Fact]
    public async Task Ids_computed_on_many_threads_at_once_are_the_hmac_of_the_plaintext_hash()
    {
        var key = MasterKey.Generate();
        var chunkIdKey = key.ToBytes()[32..];
        var contents = Enumerable.Range(0, 64).Select(i => TestData.Random(1000 + i * 37, i)).ToArray();
        var expected = contents.Select(c =>
            Convert.ToHexStringLower(HMACSHA256.HashData(chunkIdKey, SHA256.HashData(c))) + "/" + Convert.ToHexStringLower(SHA256.HashData(c))).ToArray();

        var rounds = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 20).SelectMany(_ => contents.Select(c => key.IdOf(c, out var sha256) + "/" + sha256)).ToArray())));

        Assert.All(rounds, round => Assert.Equal(Enumerable.Repeat(expected, 20).SelectMany(ids => ids), round));
    }
}
