namespace Lifeboat.Compression;

/// <summary>zstd through the system libzstd (the format's only codec).</summary>
public sealed class ZstdCompressor : ICompressor
{
    /// <summary>The shared instance (stateless; <see cref="Zstd"/> pools the native contexts).</summary>
    public static ZstdCompressor Instance { get; } = new();

    /// <inheritdoc />
    public int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level) => Zstd.TryCompress(source, destination, level);

    /// <summary>
    /// <see cref="TryCompress"/> with zstd's content checksum in the frame (XXH64 of the content, low 32 bits), which
    /// every decompression verifies: a frame that decompresses to other bytes than were compressed fails instead.
    /// </summary>
    public int TryCompressWithChecksum(ReadOnlySpan<byte> source, Span<byte> destination, int level) =>
        Zstd.TryCompress(source, destination, level, contentChecksum: true);

    /// <summary>Whether <paramref name="frame"/> is a zstd frame that carries a content checksum.</summary>
    public static bool HasContentChecksum(ReadOnlySpan<byte> frame) => Zstd.HasContentChecksum(frame);

    /// <inheritdoc />
    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => Zstd.Decompress(source, destination);
}
