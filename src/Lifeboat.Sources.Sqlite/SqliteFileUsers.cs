using System.Globalization;
using System.Runtime.InteropServices;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// Finds who has a SQLite database in use: other processes with the file or a sidecar open (from <c>/proc/*/fd</c>;
/// all processes when running as root, otherwise this user's), and, for WAL databases, any process holding the
/// shared-memory "dead man switch" lock that every open WAL connection holds, which also catches processes that
/// <c>/proc</c> does not show.
/// </summary>
public static partial class SqliteFileUsers
{
    // SQLite's unix VFS: every open WAL connection holds a shared fcntl lock on this byte of the -shm file.
    private const long ShmDeadManSwitchByte = 128;
    private const int GetLock = 5;
    private const short WriteLock = 1;
    private const short Unlocked = 2;

    /// <summary>Descriptions ("pid 123 (myapp)") of every process other than this one that has the database in use.</summary>
    public static IReadOnlyList<string> Find(SqliteDatabaseFile database)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal) { database.Path };
        foreach (var suffix in SqliteDatabaseFile.SidecarSuffixes)
        {
            paths.Add(database.Sidecar(suffix));
        }
        var users = new SortedSet<string>(StringComparer.Ordinal);
        var self = Environment.ProcessId;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && paths.Contains(target))
                    {
                        users.Add(Describe(pid, process));
                        break;
                    }
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Another user's process (when not root) or one that exited meanwhile: the lock probe below still
                // sees WAL connections.
            }
        }
        var holder = ShmLockHolder(database.Sidecar("-shm"));
        if (holder is { } pidHolding && pidHolding != self)
        {
            users.Add(Describe(pidHolding, $"/proc/{pidHolding}"));
        }
        return [.. users];
    }

    private static string Describe(int pid, string process)
    {
        try
        {
            return $"pid {pid} ({File.ReadAllText(Path.Combine(process, "comm")).Trim()})";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"pid {pid}";
        }
    }

    private static int? ShmLockHolder(string shm)
    {
        if (!File.Exists(shm))
        {
            return null;
        }
        using var handle = File.OpenHandle(shm, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var probe = new Flock { Type = WriteLock, Whence = 0, Start = ShmDeadManSwitchByte, Length = 1 };
        if (fcntl((int)handle.DangerousGetHandle(), GetLock, ref probe) != 0)
        {
            throw new IOException($"could not test the locks on {shm}: errno {Marshal.GetLastPInvokeError()}");
        }
        return probe.Type == Unlocked ? null : probe.Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int fcntl(int fd, int command, ref Flock flock);
}
