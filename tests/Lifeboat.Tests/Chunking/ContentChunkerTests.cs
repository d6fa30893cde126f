using Lifeboat.Chunking;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Chunking;

public sealed class ContentChunkerTests
{
    private static readonly ContentChunker Chunker = new(GearTable.FromSeed(new byte[32]), ChunkerParameters.Default);

    private static List<(int Offset, int Length)> Split(byte[] data, ContentChunker chunker)
    {
        var chunks = new List<(int, int)>();
        var max = chunker.Parameters.MaxSize;
        for (var at = 0; at < data.Length;)
        {
            // Pass what a reader would: at least MaxSize bytes, or the rest of the input.
            var window = data.AsSpan(at, Math.Min(data.Length - at, max + 12345));
            var length = chunker.NextChunkLength(window);
            chunks.Add((at, length));
            at += length;
        }
        return chunks;
    }

    [Fact]
    public void Chunks_cover_the_input_exactly_and_respect_the_size_bounds()
    {
        var data = TestData.Random(40 * 1024 * 1024 + 777, seed: 1);
        var chunks = Split(data, Chunker);
        Assert.Equal(data.Length, chunks.Sum(c => c.Length));
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Length, ChunkerParameters.Default.MinSize, ChunkerParameters.Default.MaxSize));
        var average = chunks.SkipLast(1).Average(c => c.Length);
        var target = ChunkerParameters.Default.AverageSize;
        Assert.InRange(average, 0.7 * target, 1.6 * target);
    }

    /// <summary>The gear-hash cut rule written plainly, one byte per step: the boundaries every repository was cut with.</summary>
    private static int ReferenceChunkLength(ReadOnlySpan<byte> data, ulong[] gear, ChunkerParameters parameters)
    {
        if (data.Length <= parameters.MinSize)
        {
            return data.Length;
        }
        var end = Math.Min(data.Length, parameters.MaxSize);
        var bits = System.Numerics.BitOperations.Log2((uint)parameters.AverageSize);
        ulong h = 0;
        for (var i = parameters.MinSize; i < end; i++)
        {
            h = (h << 1) + gear[data[i]];
            var mask = ulong.MaxValue << (64 - (i < parameters.AverageSize ? bits + 2 : bits - 2));
            if ((h & mask) == 0)
            {
                return i + 1;
            }
        }
        return end;
    }

    [Theory]
    [InlineData(64 * 1024, 1)]
    [InlineData(64 * 1024, 2)]
    [InlineData(512 * 1024, 3)]
    public void Boundaries_are_those_of_the_plain_gear_hash_rule(int average, int seed)
    {
        var parameters = ChunkerParameters.WithAverage(average);
        var table = GearTable.FromSeed(TestData.Random(32, seed));
        var chunker = new ContentChunker(table, parameters);
        // Random bytes, zeros that run to the maximum, text, and odd lengths that end between unrolled steps.
        byte[] data = [.. TestData.Random(6 * 1024 * 1024 + 3, seed), .. new byte[3 * 1024 * 1024], .. TestData.Text(2_000_001, seed)];
        var cuts = 0;
        for (var at = 0; at < data.Length; cuts++)
        {
            var window = data.AsSpan(at, Math.Min(data.Length - at, parameters.MaxSize + seed));
            var expected = ReferenceChunkLength(window, table.Values, parameters);
            Assert.Equal(expected, chunker.NextChunkLength(window));
            // Every shorter window that still holds the cut must give the same cut.
            Assert.Equal(expected, chunker.NextChunkLength(window[..Math.Min(window.Length, expected + seed)]));
            at += expected;
        }
        Assert.True(cuts > data.Length / average / 2, $"only {cuts} chunks");
    }

    [Fact]
    public void Boundaries_do_not_depend_on_how_much_data_is_passed_beyond_the_maximum()
    {
        var data = TestData.Random(12 * 1024 * 1024, seed: 2);
        var first = Chunker.NextChunkLength(data.AsSpan(0, ChunkerParameters.Default.MaxSize));
        var second = Chunker.NextChunkLength(data);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Inserting_one_byte_near_the_start_of_a_200_MiB_file_changes_under_two_percent_of_the_chunks_data()
    {
        var original = TestData.Random(200 * 1024 * 1024, seed: 3);
        var edited = new byte[original.Length + 1];
        original.AsSpan(0, 1000).CopyTo(edited);
        edited[1000] = 0x5A;
        original.AsSpan(1000).CopyTo(edited.AsSpan(1001));

        var known = Split(original, Chunker).Select(c => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(original.AsSpan(c.Offset, c.Length)))).ToHashSet();
        long newBytes = 0;
        foreach (var (offset, length) in Split(edited, Chunker))
        {
            if (!known.Contains(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(edited.AsSpan(offset, length)))))
            {
                newBytes += length;
            }
        }
        Assert.True(newBytes < edited.Length * 0.02, $"{newBytes} new bytes of {edited.Length}");
        Assert.True(newBytes > 0, "the edited chunk must be new");
    }

    [Fact]
    public void Different_repository_seeds_cut_the_same_data_differently()
    {
        var other = new ContentChunker(GearTable.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray()), ChunkerParameters.Default);
        var data = TestData.Random(16 * 1024 * 1024, seed: 4);
        Assert.NotEqual(Split(data, Chunker), Split(data, other));
    }

    [Fact]
    public void Invalid_parameters_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ContentChunker(GearTable.FromSeed(new byte[32]), new ChunkerParameters(1024, 3000, 8192)));
        Assert.Throws<ArgumentException>(() => new ContentChunker(GearTable.FromSeed(new byte[32]), new ChunkerParameters(4096, 2048, 8192)));
    }
}
