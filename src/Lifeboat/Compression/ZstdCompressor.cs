namespace Lifeboat.Compression;

/// <summary>zstd through the system libzstd (the format's only codec).</summary>
public sealed class ZstdCompressor : ICompressor
{
    /// <summary>The shared instance (stateless; <see cref="Zstd"/> pools the native contexts).</summary>
    public static ZstdCompressor Instance { get; } = new();

    /// <inheritdoc />
    public int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level) => Zstd.TryCompress(source, destination, level);

    /// <inheritdoc />
    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => Zstd.Decompress(source, destination);
}
