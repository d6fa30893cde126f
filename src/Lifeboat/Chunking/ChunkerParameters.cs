namespace Lifeboat.Chunking;

/// <summary>Chunk size bounds, fixed per repository in its config. Average must be a power of two.</summary>
public readonly record struct ChunkerParameters(int MinSize, int AverageSize, int MaxSize)
{
    /// <summary>
    /// 128 KiB minimum, 512 KiB average, 2 MiB − 4 KiB maximum. Measured on the shared benchmark, a 512 KiB average
    /// stores less after small in-place edits than 1 MiB (a changed region costs about one average chunk on each
    /// side) at no cost in speed, and a 2 MiB maximum keeps every chunk buffer within 2 MiB.
    /// </summary>
    public static ChunkerParameters Default { get; } = WithAverage(512 * 1024);

    /// <summary>
    /// Parameters for an average size (a power of two from 64 KiB to 2 MiB): minimum a quarter of it, maximum twice it
    /// (at least 2 MiB) less 4 KiB, so a sealed maximum-size chunk still fits a power-of-two buffer.
    /// Throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public static ChunkerParameters WithAverage(int averageSize)
    {
        if (!int.IsPow2(averageSize) || averageSize < 64 * 1024 || averageSize > 2 * 1024 * 1024)
        {
            throw new ArgumentException($"the average chunk size must be a power of two from 64 KiB to 2 MiB, not {averageSize} bytes");
        }
        return new ChunkerParameters(averageSize / 4, averageSize, Math.Max(2 * averageSize, 2 * 1024 * 1024) - 4096);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless 64 ≤ min &lt; average &lt; max ≤ 64 MiB and average is a power of two.</summary>
    public void Validate()
    {
        if (MinSize < 64 || MinSize >= AverageSize || AverageSize >= MaxSize || MaxSize > 64 * 1024 * 1024
            || !int.IsPow2(AverageSize))
        {
            throw new ArgumentException($"invalid chunker parameters min={MinSize} avg={AverageSize} max={MaxSize}");
        }
    }
}
