namespace Lifeboat.Compression;

/// <summary>
/// The codec chunks are stored with. A seam so tests can swap in a faulty codec and prove that self-verification
/// stops a corrupt chunk from ever being stored.
/// </summary>
public interface ICompressor
{
    /// <summary>Compresses into <paramref name="destination"/>; returns bytes written, or -1 when the output does not fit.</summary>
    int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level);

    /// <summary>Decompresses into <paramref name="destination"/>; throws <see cref="InvalidDataException"/> on bad input.</summary>
    int Decompress(ReadOnlySpan<byte> source, Span<byte> destination);
}
