namespace Lifeboat.Compression;

/// <summary>zstd through the system libzstd (the format's only codec).</summary>
public sealed class ZstdCompressor : ICompressor
{
    /// <summary>The shared instance (stateless; contexts are per thread inside <see cref="Zstd"/>).</summary>
    public static ZstdCompressor Instance { get; } = new();

    /// <inheritdoc />
    public int CompressBound(int sourceLength) => Zstd.CompressBound(sourceLength);

    /// <inheritdoc />
    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level) => Zstd.Compress(source, destination, level);

    /// <inheritdoc />
    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => Zstd.Decompress(source, destination);
}
