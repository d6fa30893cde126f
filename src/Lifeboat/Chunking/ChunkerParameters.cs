namespace Lifeboat.Chunking;

/// <summary>Chunk size bounds, fixed per repository in its config. Average must be a power of two.</summary>
public readonly record struct ChunkerParameters(int MinSize, int AverageSize, int MaxSize)
{
    /// <summary>
    /// 256 KiB minimum, 1 MiB average, 4 MiB − 4 KiB maximum: a sealed maximum-size chunk still fits a 4 MiB buffer.
    /// </summary>
    public static ChunkerParameters Default { get; } = new(256 * 1024, 1024 * 1024, 4 * 1024 * 1024 - 4096);

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
