using System.Globalization;

namespace Lifeboat.Locking;

/// <summary>
/// Tells a process on this host apart from a later one that got the same PID: together with the PID, a process's start
/// time (clock ticks since boot, field 22 of <c>/proc/&lt;pid&gt;/stat</c>) never repeats while the host runs.
/// </summary>
internal static class ProcessIdentity
{
    /// <summary>
    /// The start time of process <paramref name="pid"/>, or null when it does not exist or the OS has no
    /// <c>/proc/&lt;pid&gt;/stat</c> to say (then only the PID can identify it).
    /// </summary>
    public static long? StartTimeOf(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // Field 2 is the command name in parentheses and may itself hold spaces and parentheses: count from the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? start
            : null;
    }

    /// <summary>
    /// Whether the process that wrote <paramref name="pid"/> and <paramref name="startTime"/> on this host still runs.
    /// Without a recorded start time (a lock from an older version) a running process with that PID is taken to be it.
    /// </summary>
    public static bool IsAlive(int pid, long? startTime)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (!OperatingSystem.IsLinux())
        {
            // No /proc to ask: never judge a process dead on a guess; such locks go stale by age alone.
            return true;
        }
        if (!Directory.Exists($"/proc/{pid}"))
        {
            return false;
        }
        return startTime is not { } recorded || StartTimeOf(pid) is not { } current || current == recorded;
    }
}
