using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Lifeboat.FileSystem;

/// <summary>
/// File metadata calls the .NET base library does not expose, bound to glibc (2.33 or later, which exports
/// <c>lstat</c>) on Linux x86_64. Paths are passed to the kernel as UTF-8.
/// </summary>
/// <remarks>
/// Failures throw <see cref="FileNotFoundException"/> for <c>ENOENT</c> and <c>ENOTDIR</c>,
/// <see cref="UnauthorizedAccessException"/> for <c>EACCES</c> and <c>EPERM</c>, and otherwise
/// <see cref="IOException"/> whose <see cref="Exception.HResult"/> is the errno; every message names the path
/// and carries the system's description of the error.
/// </remarks>
[SupportedOSPlatform("linux")]
public static partial class Posix
{
    private const string LibraryName = "libc.so.6";

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;

    private const int ErrorNotPermitted = 1;
    private const int ErrorNoEntry = 2;
    private const int ErrorAccessDenied = 13;
    private const int ErrorNotDirectory = 20;
    private const int ErrorSymbolicLinkLoop = 40;

    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>The real user ID of this process.</summary>
    public static uint CurrentUid => getuid();

    /// <summary>
    /// Restores the default action (end the process) of SIGINT and SIGQUIT. A program a non-interactive shell starts in
    /// the background (<c>cmd &amp;</c>) inherits both ignored, and the runtime leaves them so; a background worker that
    /// must stop with its process group (PostgreSQL's immediate shutdown sends SIGQUIT to it) calls this first.
    /// SIGQUIT's default action also dumps core, so this process's core size limit is set to 0: a core of a .NET process
    /// is hundreds of MiB, and a stop asked for is no crash.
    /// </summary>
    public static void DefaultInterruptSignals()
    {
        const int SigInt = 2, SigQuit = 3, CoreLimit = 4;
        if (getrlimit(CoreLimit, out var limit) != 0 || setrlimit(CoreLimit, limit with { Current = 0 }) != 0)
        {
            throw new IOException($"the core size limit could not be set to 0: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }
        foreach (var signalNumber in (int[])[SigInt, SigQuit])
        {
            if (signal(signalNumber, 0) == -1)
            {
                throw new IOException($"signal {signalNumber} could not be reset to its default action: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
            }
        }
    }

    /// <summary>
    /// Sends SIGINT to process <paramref name="processId"/>: the orderly stop Ctrl-C asks of a child program. A process
    /// that is gone already is not an error; anything else throws <see cref="IOException"/>.
    /// </summary>
    public static void Interrupt(int processId)
    {
        const int signalInterrupt = 2, errorNoProcess = 3;
        if (kill(processId, signalInterrupt) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != errorNoProcess)
        {
            throw new IOException($"Could not interrupt process {processId}: {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
        }
    }

    /// <summary>Reads the metadata of <paramref name="path"/> without following a final symbolic link.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a NUL character.</exception>
    public static FileStatus LStat(string path)
    {
        ValidatePath(path);
        if (lstat(path, out LinuxStat stat) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"read the metadata of '{path}'");
        }

        return ToStatus(stat);
    }

    private static FileStatus ToStatus(in LinuxStat stat) => new(
        stat.Device,
        stat.Inode,
        stat.LinkCount,
        stat.Mode,
        stat.Uid,
        stat.Gid,
        stat.Size,
        ToNanoseconds(stat.ModifySeconds, stat.ModifyNanoseconds),
        ToNanoseconds(stat.ChangeSeconds, stat.ChangeNanoseconds))
    {
        SpecialDevice = stat.SpecialDevice,
    };

    /// <summary>Reads the metadata of the open file <paramref name="handle"/> (fstat): the file read, whatever its name is now.</summary>
    public static FileStatus FStat(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (fstatHandle(handle, out LinuxStat stat) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), "(open file)", "read the metadata of an open file");
        }
        return ToStatus(stat);
    }

    /// <summary>Sets the owner of <paramref name="path"/>, or of the link itself when it is a symbolic link.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a NUL character.</exception>
    public static void LChown(string path, uint uid, uint gid)
    {
        ValidatePath(path);
        if (lchown(path, uid, gid) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"change the owner of '{path}' to {uid}:{gid}");
        }
    }

    /// <summary>Sets both the modification and the access time of <paramref name="path"/> to the same instant.</summary>
    /// <param name="path">The entry to change.</param>
    /// <param name="mtimeNanos">Nanoseconds since the Unix epoch (UTC); negative values are before 1970.</param>
    /// <param name="followSymlink">
    /// Whether a final symbolic link is followed to its target; when false the link's own times change.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a NUL character.</exception>
    public static unsafe void SetTimes(string path, long mtimeNanos, bool followSymlink)
    {
        ValidatePath(path);
        long seconds = Math.DivRem(mtimeNanos, NanosecondsPerSecond, out long nanoseconds);
        if (nanoseconds < 0)
        {
            // timespec needs 0 <= tv_nsec < 1e9, so instants before 1970 borrow from the seconds.
            seconds--;
            nanoseconds += NanosecondsPerSecond;
        }

        // Two struct timespec values: access time, then modification time.
        long* times = stackalloc long[] { seconds, nanoseconds, seconds, nanoseconds };
        int flags = followSymlink ? 0 : AtSymlinkNoFollow;
        if (utimensat(AtCurrentDirectory, path, times, flags) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"set the times of '{path}'");
        }
    }

    /// <summary>
    /// Creates <paramref name="newPath"/> as a hard link to <paramref name="existing"/>. As on Linux <c>link</c>,
    /// a symbolic link at <paramref name="existing"/> is linked itself, not its target.
    /// </summary>
    /// <exception cref="ArgumentException">A path is empty or contains a NUL character.</exception>
    /// <exception cref="IOException"><paramref name="newPath"/> already exists (errno <c>EEXIST</c>), among other failures.</exception>
    public static void Link(string existing, string newPath)
    {
        ValidatePath(existing);
        ValidatePath(newPath);
        if (link(existing, newPath) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), existing, $"create the hard link '{newPath}' to '{existing}'");
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> as a symbolic link whose target is the text <paramref name="target"/>, stored as
    /// given: relative or absolute, to a file, a directory or nothing at all, with no check of the target. Restore
    /// pairs it with <see cref="Rename"/>: <see cref="File.Move(string, string)"/> takes a link that resolves to a
    /// directory for a missing file.
    /// </summary>
    /// <exception cref="ArgumentException">A path is empty or contains a NUL character.</exception>
    /// <exception cref="IOException"><paramref name="path"/> already exists (errno <c>EEXIST</c>), among other failures.</exception>
    public static void Symlink(string target, string path)
    {
        ValidatePath(target);
        ValidatePath(path);
        if (symlink(target, path) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"create the symbolic link '{path}' to '{target}'");
        }
    }

    /// <summary>
    /// Renames <paramref name="oldPath"/> to <paramref name="newPath"/> (rename): atomically replaces what is at
    /// <paramref name="newPath"/> unless that is a directory, and moves a symbolic link itself, never what it points to
    /// (<see cref="File.Move(string, string, bool)"/> refuses a symbolic link to a directory as "not found").
    /// </summary>
    /// <exception cref="ArgumentException">A path is empty or contains a NUL character.</exception>
    public static void Rename(string oldPath, string newPath)
    {
        ValidatePath(oldPath);
        ValidatePath(newPath);
        if (rename(oldPath, newPath) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), oldPath, $"rename '{oldPath}' to '{newPath}'");
        }
    }

    /// <summary>
    /// Creates a FIFO, character device or block device at <paramref name="path"/> (mknod). <paramref name="mode"/> holds
    /// the file type bits and the permission bits (reduced by the umask, so callers set the mode afterwards);
    /// <paramref name="device"/> is the device number (<c>st_rdev</c>) of a device, ignored for a FIFO. Devices need
    /// root (<c>CAP_MKNOD</c>): otherwise <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or contains a NUL character.</exception>
    public static void MakeNode(string path, uint mode, ulong device)
    {
        ValidatePath(path);
        if (mknod(path, mode, device) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"create the special file '{path}' (mode {Convert.ToString(mode, 8)})");
        }
    }

    /// <summary>
    /// Sets the permission bits of <paramref name="path"/>, following symbolic links
    /// (Linux cannot change a link's own permissions). Throws as <see cref="File.SetUnixFileMode(string, UnixFileMode)"/>.
    /// </summary>
    public static void Chmod(string path, UnixFileMode mode) => File.SetUnixFileMode(path, mode);

    /// <summary>
    /// Opens a regular file for reading without following a symbolic link and without blocking on a FIFO, and checks
    /// that it is still the file <paramref name="expected"/> describes (same device and inode, still a regular file):
    /// a file swapped between the walk and the read is refused rather than read in its place.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenSameFile(string path, FileStatus expected)
    {
        ValidatePath(path);
        const int ReadOnlyNoFollowNonBlockCloseOnExec = 0x0 | 0x20000 | 0x800 | 0x80000;
        var fd = open(path, ReadOnlyNoFollowNonBlockCloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == ErrorSymbolicLinkLoop
                ? new IOException($"Could not open '{path}': it was replaced by a symbolic link after it was scanned.", errno)
                : ErrorFor(errno, path, $"open '{path}'");
        }
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        if (fstat(fd, out LinuxStat stat) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw ErrorFor(errno, path, $"read the metadata of '{path}'");
        }
        var status = new FileStatus(stat.Device, stat.Inode, stat.LinkCount, stat.Mode, stat.Uid, stat.Gid, stat.Size, 0, 0);
        if (!status.IsRegularFile || status.Device != expected.Device || status.Inode != expected.Inode)
        {
            handle.Dispose();
            throw new IOException($"Could not read '{path}': it was replaced by another file after it was scanned.");
        }
        return handle;
    }

    /// <summary>
    /// Flushes the whole file system holding <paramref name="path"/> to disk (syncfs): one call that makes everything
    /// written there durable, instead of an fsync per file.
    /// </summary>
    public static void SyncFileSystem(string path)
    {
        ValidatePath(path);
        const int ReadOnlyDirectoryCloseOnExec = 0x0 | 0x10000 | 0x80000;
        var fd = open(path, ReadOnlyDirectoryCloseOnExec);
        if (fd < 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"open '{path}'");
        }
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        if (syncfs(fd) != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path, $"flush the file system of '{path}' to disk");
        }
    }

    /// <summary>
    /// Starts writing a range of a file to disk without waiting for it (sync_file_range with SYNC_FILE_RANGE_WRITE):
    /// what a restore has written goes to disk while it writes the rest, and its final <see cref="SyncFileSystem"/>
    /// (which alone makes it durable) has less left to do. A file system that cannot do this is left to that flush.
    /// </summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length, string path)
    {
        const uint SyncFileRangeWrite = 2;
        const int ErrorInvalid = 22, ErrorIllegalSeek = 29, ErrorNotImplemented = 38, ErrorNotSupported = 95;
        if (sync_file_range(handle, offset, length, SyncFileRangeWrite) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (ErrorInvalid or ErrorIllegalSeek or ErrorNotImplemented or ErrorNotSupported))
            {
                throw ErrorFor(errno, path, $"write '{path}' to disk");
            }
        }
    }

    private static void ValidatePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // The UTF-8 marshaller would cut the string at a NUL and the call would act on a different path.
        if (path.Contains('\0'))
        {
            throw new ArgumentException("The path contains a NUL character.", nameof(path));
        }
    }

    private static long ToNanoseconds(long seconds, long nanoseconds) =>
        // Every time between the years 1685 and 2255 fits a long; Int128 arithmetic, which is not precompiled and so
        // compiled on every run of the command line, only for the others.
        seconds is > -9_000_000_000 and < 9_000_000_000 ? (seconds * NanosecondsPerSecond) + nanoseconds : ClampedNanoseconds(seconds, nanoseconds);

    private static long ClampedNanoseconds(long seconds, long nanoseconds)
    {
        Int128 total = ((Int128)seconds * NanosecondsPerSecond) + nanoseconds;
        return (long)Int128.Clamp(total, long.MinValue, long.MaxValue);
    }

    private static Exception ErrorFor(int errno, string path, string action)
    {
        string message = $"Could not {action}: {Marshal.GetPInvokeErrorMessage(errno)}.";
        return errno switch
        {
            ErrorNoEntry or ErrorNotDirectory => new FileNotFoundException(message, path),
            ErrorAccessDenied or ErrorNotPermitted => new UnauthorizedAccessException(message),
            _ => new IOException(message, errno),
        };
    }

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, out LinuxStat status);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int utimensat(int directory, string path, long* times, int flags);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string newPath);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlink(string target, string path);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rename(string oldPath, string newPath);

    // glibc 2.33 and later export mknod itself (before, only __xmknod).
    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong device);

    [LibraryImport(LibraryName)]
    private static partial uint getuid();

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int kill(int pid, int signal);

    private readonly record struct ResourceLimit(ulong Current, ulong Maximum);

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int getrlimit(int resource, out ResourceLimit limit);

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int setrlimit(int resource, in ResourceLimit limit);

    // SIG_DFL is 0; SIG_ERR (-1) on failure.
    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial nint signal(int signalNumber, nint handler);

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int fstat(int fd, out LinuxStat status);

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int syncfs(int fd);

    // The marshaller holds a reference on the handle for the call, so it cannot be closed and its number reused meanwhile.
    [LibraryImport(LibraryName, EntryPoint = "fstat", SetLastError = true)]
    private static partial int fstatHandle(Microsoft.Win32.SafeHandles.SafeFileHandle fd, out LinuxStat status);

    [LibraryImport(LibraryName, SetLastError = true)]
    private static partial int sync_file_range(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long nbytes, uint flags);
}
