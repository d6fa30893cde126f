namespace Lifeboat.Cli;

/// <summary>Human-readable sizes and rates for text output.</summary>
public static class Size
{
    /// <summary>Bytes as B, KiB, MiB, GiB or TiB with one decimal.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : $"{value:0.0} {units[unit]}";
    }

    /// <summary>Throughput for a byte count over a duration.</summary>
    public static string Rate(long bytes, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "-" : Format((long)(bytes / elapsed.TotalSeconds)) + "/s";
}
