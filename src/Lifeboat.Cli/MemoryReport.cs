namespace Lifeboat.Cli;

/// <summary>With LIFEBOAT_DEBUG_MEMORY=1, a summary of the GC heap and resident memory after a command (for tuning).</summary>
public static class MemoryReport
{
    /// <summary>Writes the report.</summary>
    public static async Task WriteAsync(TextWriter writer)
    {
        var info = GC.GetGCMemoryInfo();
        await writer.WriteLineAsync($"memory: GC heap {info.HeapSizeBytes >> 20} MiB, committed {info.TotalCommittedBytes >> 20} MiB, " +
            $"allocated {GC.GetTotalAllocatedBytes() >> 20} MiB in total, collections gen0 {GC.CollectionCount(0)} gen2 {GC.CollectionCount(2)}");
        foreach (var line in File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM") || l.StartsWith("Rss")))
        {
            await writer.WriteLineAsync("memory: " + line);
        }
    }
}
