namespace Lifeboat.Check;

/// <summary>How thoroughly to check.</summary>
public sealed record CheckOptions
{
    /// <summary>Read packs and verify every chunk in them, not just the structure.</summary>
    public bool ReadData { get; init; }
    /// <summary>With <see cref="ReadData"/>: the share of packs to read, 0 &lt; p ≤ 100 (chosen at random).</summary>
    public double SubsetPercent { get; init; } = 100;
    /// <summary>Packs read at once.</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);
}
