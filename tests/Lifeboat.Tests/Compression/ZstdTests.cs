using System.Text;
using Lifeboat.Compression;

namespace Lifeboat.Tests.Compression;

public sealed class ZstdTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2_000).Select(
        i => $"Line {i}: a backup nobody has restored is only a hope; drills turn it into a measured fact.\n")));

    [Theory]
    [InlineData("text", 1)]
    [InlineData("text", 3)]
    [InlineData("random", 1)]
    [InlineData("random", 3)]
    [InlineData("empty", 3)]
    public void Compress_then_decompress_returns_the_original_bytes(string kind, int level)
    {
        byte[] original = Sample(kind);

        byte[] compressed = CompressToArray(original, level);
        byte[] restored = new byte[original.Length];
        int written = Zstd.Decompress(compressed, restored);

        Assert.Equal(original.Length, written);
        Assert.Equal(original, restored);
    }

    [Fact]
    public void Compressed_text_is_smaller_than_the_input()
    {
        byte[] compressed = CompressToArray(Text, level: 3);

        Assert.True(compressed.Length < Text.Length / 10, $"{compressed.Length} of {Text.Length} bytes");
    }

    [Fact]
    public void The_frame_records_the_content_size()
    {
        byte[] compressed = CompressToArray(Text, level: 1);

        Assert.Equal(Text.Length, Zstd.GetFrameContentSize(compressed));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(64)]
    public void The_content_size_of_something_that_is_not_a_frame_is_minus_one(int length)
    {
        Assert.Equal(-1, Zstd.GetFrameContentSize(new byte[length]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(100)]
    public void A_truncated_frame_throws_InvalidDataException(int keptBytes)
    {
        byte[] compressed = CompressToArray(Text, level: 3);
        byte[] destination = new byte[Text.Length];

        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(compressed.AsSpan(0, keptBytes), destination));
        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(compressed.AsSpan(0, compressed.Length - 1), destination));
    }

    [Fact]
    public void A_frame_with_a_damaged_magic_number_throws_InvalidDataException()
    {
        byte[] compressed = CompressToArray(Text, level: 3);
        compressed[0] ^= 0xFF;

        var error = Assert.Throws<InvalidDataException>(() => Zstd.Decompress(compressed, new byte[Text.Length]));
        Assert.Contains("not a valid zstd frame", error.Message);
    }

    [Fact]
    public void Random_bytes_throw_InvalidDataException()
    {
        byte[] garbage = Sample("random");

        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(garbage, new byte[garbage.Length * 4]));
    }

    [Fact]
    public void Bytes_after_the_last_frame_throw_InvalidDataException()
    {
        byte[] compressed = CompressToArray(Text, level: 3);
        byte[] withTrailer = [.. compressed, 1, 2, 3];

        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(withTrailer, new byte[Text.Length]));
    }

    [Fact]
    public void Corrupting_any_byte_either_decompresses_or_throws_InvalidDataException_but_never_crashes()
    {
        byte[] compressed = CompressToArray(Text, level: 3);
        var random = new Random(7);
        byte[] destination = new byte[Text.Length];

        for (int i = 0; i < 2_000; i++)
        {
            byte[] damaged = (byte[])compressed.Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                Zstd.Decompress(damaged, destination);
            }
            catch (InvalidDataException)
            {
                // Without a content checksum some damage goes unnoticed here; the caller's hash catches it.
            }
        }
    }

    [Fact]
    public void A_destination_too_small_for_the_content_throws_InvalidDataException()
    {
        byte[] compressed = CompressToArray(Text, level: 3);

        var error = Assert.Throws<InvalidDataException>(() => Zstd.Decompress(compressed, new byte[Text.Length - 1]));
        Assert.Contains($"{Text.Length} bytes", error.Message);
        Assert.Contains($"{Text.Length - 1} bytes", error.Message);
    }

    [Fact]
    public void A_destination_too_small_for_the_frame_throws_InvalidOperationException_with_the_zstd_error_name()
    {
        byte[] random = Sample("random");

        var error = Assert.Throws<InvalidOperationException>(() => Zstd.Compress(random, new byte[random.Length / 2], level: 1));
        Assert.Contains("Destination buffer is too small", error.Message);
    }

    [Fact]
    public void CompressBound_covers_incompressible_input_and_rejects_a_negative_length()
    {
        Assert.True(Zstd.CompressBound(1_000) > 1_000);
        Assert.Throws<ArgumentOutOfRangeException>(() => Zstd.CompressBound(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Zstd.CompressBound(int.MaxValue));
    }

    [Fact]
    public void Version_is_the_loaded_library_version()
    {
        Assert.Matches(@"^1\.\d+\.\d+$", Zstd.Version);
    }

    [Fact]
    public void Concurrent_round_trips_on_several_threads_all_return_their_own_bytes()
    {
        const int threadCount = 8;
        var start = new Barrier(threadCount);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, threadCount).Select(id => new Thread(() =>
        {
            var random = new Random(id);
            start.SignalAndWait();
            for (int round = 0; round < 100; round++)
            {
                // Half text, half random, so each thread's frames differ in size and content.
                byte[] original = new byte[random.Next(1, 64 * 1024)];
                random.NextBytes(original.AsSpan(0, original.Length / 2));
                Text.AsSpan(0, original.Length - (original.Length / 2)).CopyTo(original.AsSpan(original.Length / 2));

                byte[] compressed = CompressToArray(original, level: 1 + (round % 3));
                byte[] restored = new byte[original.Length];
                int written = Zstd.Decompress(compressed, restored);
                if (written != original.Length || !restored.AsSpan().SequenceEqual(original))
                {
                    failures.Enqueue($"thread {id}, round {round}");
                }
            }
        })).ToList();

        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        Assert.Empty(failures);
    }

    private static byte[] CompressToArray(ReadOnlySpan<byte> source, int level)
    {
        byte[] destination = new byte[Zstd.CompressBound(source.Length)];
        int written = Zstd.Compress(source, destination, level);
        return destination.AsSpan(0, written).ToArray();
    }

    private static byte[] Sample(string kind) => kind switch
    {
        "text" => Text,
        "random" => RandomBytes(100_000),
        "empty" => [],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static byte[] RandomBytes(int length)
    {
        byte[] bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
