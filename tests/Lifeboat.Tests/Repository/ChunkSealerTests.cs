using Lifeboat.Compression;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Repository;

public sealed class ChunkSealerTests
{
    private static readonly MasterKey Key = MasterKey.Generate();

    [Fact]
    public void Compressible_chunks_are_stored_compressed_and_open_to_the_same_bytes()
    {
        var sealer = new ChunkSealer(Key, 3);
        var text = TestData.Text(200_000, 1);
        using var chunk = sealer.Seal(Key.IdOf(text), ChunkType.Data, text);
        Assert.True(chunk.Entry.IsCompressed);
        Assert.True(chunk.Entry.StoredLength < text.Length / 2);
        var opened = new byte[text.Length];
        sealer.Open(chunk.Entry, chunk.Bytes, opened);
        Assert.Equal(text, opened);
    }

    [Fact]
    public void Incompressible_chunks_are_stored_raw()
    {
        var sealer = new ChunkSealer(Key, 3);
        var random = TestData.Random(200_000, 2);
        using var chunk = sealer.Seal(Key.IdOf(random), ChunkType.Data, random);
        Assert.False(chunk.Entry.IsCompressed);
        Assert.Equal(random.Length + SecretBox.Overhead, (int)chunk.Entry.StoredLength);
    }

    [Fact]
    public void A_faulty_codec_is_caught_before_anything_is_stored()
    {
        var sealer = new ChunkSealer(Key, 3, new CorruptingCompressor());
        var text = TestData.Text(300_000, 3);
        var error = Assert.Throws<CorruptObjectException>(() => sealer.Seal(Key.IdOf(text), ChunkType.Data, text));
        Assert.Contains("self-verification", error.Message);
    }

    [Fact]
    public void A_chunk_stored_under_another_id_does_not_open()
    {
        var sealer = new ChunkSealer(Key, 3);
        var data = TestData.Text(10_000, 4);
        using var chunk = sealer.Seal(Key.IdOf(data), ChunkType.Data, data);
        var swapped = chunk.Entry with { Id = Key.IdOf("other"u8) };
        Assert.Throws<CorruptObjectException>(() => sealer.Open(swapped, chunk.Bytes, new byte[data.Length]));
    }
}
