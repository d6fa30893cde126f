using Lifeboat.Compression;

namespace Lifeboat.Testing;

/// <summary>
/// A codec whose compressed output is silently wrong, like a buggy zstd build: it flips one bit in the middle of
/// every frame it writes. Whatever decoding then yields, it is not the original.
/// </summary>
public sealed class CorruptingCompressor : ICompressor
{
    /// <inheritdoc />
    public int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        var written = Zstd.TryCompress(source, destination, level);
        if (written > 0)
        {
            destination[written / 2] ^= 0x01;
        }
        return written;
    }

    /// <inheritdoc />
    public int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) => Zstd.Decompress(source, destination);
}
