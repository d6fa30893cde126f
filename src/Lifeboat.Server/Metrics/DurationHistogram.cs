namespace Lifeboat.Server.Metrics;

/// <summary>A Prometheus histogram of run durations in seconds: cumulative bucket counts, sum and count. Not thread-safe: the owner locks.</summary>
public sealed class DurationHistogram
{
    /// <summary>Upper bounds in seconds, from a second to a day; <c>+Inf</c> is implied.</summary>
    public static readonly IReadOnlyList<double> Bounds = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400];

    private readonly long[] _counts = new long[Bounds.Count];

    /// <summary>Observations in all.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the observations in seconds.</summary>
    public double Sum { get; private set; }

    /// <summary>Adds one observation.</summary>
    public void Observe(double seconds)
    {
        for (var i = 0; i < Bounds.Count; i++)
        {
            if (seconds <= Bounds[i])
            {
                _counts[i]++;
            }
        }
        Count++;
        Sum += seconds;
    }

    /// <summary>Observations at or below <see cref="Bounds"/>[<paramref name="index"/>] (cumulative).</summary>
    public long CountAtOrBelow(int index) => _counts[index];
}
