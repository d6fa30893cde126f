using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Storage;

/// <summary>
/// A blob store in a local directory, laid out as <see cref="BlobName.RelativePath"/> describes.
/// <para>
/// A put writes a temporary file (<c>.tmp-&lt;random&gt;</c>) in the object's folder, fsyncs it, moves it under its
/// final name with an atomic no-replace rename (<c>renameat2(RENAME_NOREPLACE)</c>, or <c>link</c> then <c>unlink</c>
/// where the file system or OS lacks it), and fsyncs the folder; when <see cref="PutAsync"/> returns, the object survives a
/// power loss. On any failure the temporary file is deleted and nothing is left under the final name.
/// Folders are created on demand (and their parent fsynced), but the root is never created except by
/// <see cref="Create"/>: a missing root usually means an unmounted disk, and writing into the mount point would hide that.
/// </para>
/// <para>
/// Whatever the umask, folders are created 0700 and objects 0400 (0600 while written), or 0750 and 0440 when the root was
/// made group-accessible (<see cref="LocalStoreModes"/>): a key file readable by others invites an offline password guess.
/// </para>
/// <para>Safe for concurrent use. Supported on Linux and macOS, where a directory can be fsynced.</para>
/// </summary>
public sealed partial class LocalBlobStore : IBlobStore
{
    private const string TempPrefix = ".tmp-";
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int EEXIST = 17;
    private const int EINVAL = 22;
    private const int ENOSYS = 38;
    private const int ENOTSUP = 95;
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;

    private static readonly BlobKind[] FolderKinds =
        [BlobKind.Key, BlobKind.Pack, BlobKind.Index, BlobKind.Snapshot, BlobKind.Lock, BlobKind.Run, BlobKind.Wal];

    // Cleared when the C library lacks renameat2 (glibc before 2.28) so the fallback is used directly.
    private static bool renameAt2Available = true;

    private readonly string root;

    // Read from the root's mode at the first write, when the root exists (Create makes it); two threads that race here
    // compute the same value.
    private LocalStoreModes? modes;

    /// <summary>Opens the store rooted at <paramref name="root"/>; nothing is read or created until the first call.</summary>
    /// <exception cref="PlatformNotSupportedException">The OS offers no way to fsync a directory that this class knows.</exception>
    public LocalBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _ = OpenDirectoryFlags();
        this.root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <inheritdoc />
    public string Location => root;

    /// <summary>The permissions of what this store creates (<see cref="LocalStoreModes"/>), following the root's mode.</summary>
    private LocalStoreModes Modes => modes ??= LocalStoreModes.OfFolder(root);

    /// <summary>
    /// Whether the repository's config object exists, i.e. whether this root holds a repository. Throws
    /// <see cref="IOException"/> when that cannot be known (say, the root cannot be searched) rather than saying false.
    /// </summary>
    public bool Exists
    {
        get
        {
            try
            {
                return TryGetLength(Path.Combine(root, BlobNameOfConfig.RelativePath)) is not null;
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException($"cannot tell whether {root} holds a repository: {e.Message}", e);
            }
        }
    }

    private static BlobName BlobNameOfConfig => new(BlobKind.Config, "config");

    /// <summary>
    /// Creates <paramref name="root"/> (with missing parents) and the folder of every kind, durably, and opens the store.
    /// Existing folders and objects are left as they are.
    /// </summary>
    public static LocalBlobStore Create(string root)
    {
        var store = new LocalBlobStore(root);
        store.EnsureDirectory(store.root, createRoot: true);
        foreach (var kind in FolderKinds)
        {
            store.EnsureDirectory(Path.Combine(store.root, BlobName.FolderOf(kind)), createRoot: false);
        }
        return store;
    }

    /// <inheritdoc />
    public async Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(name);
        try
        {
            await PutFileAsync(name, path, data, cancellationToken).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot store {name} in {root}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = OpenForRead(name);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new IOException($"object {name} is {length} bytes, too large to read whole");
        }

        var data = GC.AllocateUninitializedArray<byte>((int)length);
        await ReadExactlyAsync(handle, name, 0, data, cancellationToken).ConfigureAwait(false);
        return data;
    }

    /// <inheritdoc />
    /// <exception cref="EndOfStreamException">The object ends before the requested range does.</exception>
    public async Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = OpenForRead(name);
        await ReadExactlyAsync(handle, name, offset, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = OpenForRead(name);
        return Task.FromResult(RandomAccess.GetLength(handle));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Temporary files and entries that could not be an object of <paramref name="kind"/> (a folder among keys, a file
    /// directly under <c>data</c>, a pack in the wrong fan-out folder) are skipped. A missing kind folder yields
    /// nothing; a missing root, a folder that cannot be read, or any other enumeration error throws.
    /// </remarks>
    public async IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Directory enumeration blocks; do it off the caller's thread.
        await Task.Yield();

        using var entries = Enumerate(kind).GetEnumerator();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = entries.MoveNext();
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException($"cannot list {kind} objects in {root}: {e.Message}", e);
            }
            if (!more)
            {
                break;
            }
            yield return entries.Current;
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(name);
        // File.Delete cannot say whether it removed anything, and File.Exists says false for a file it may not see:
        // unlink tells a missing object (fine) from one that could not be deleted (an error).
        if (Unlink(path) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT
                ? Task.CompletedTask
                : throw new IOException($"cannot delete {name} in {root}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // A delete that comes undone after a power loss could resurrect an index that names deleted packs. Locks are
        // advisory and die with their process, so they skip the flush (and its latency on every command).
        if (name.Kind != BlobKind.Lock)
        {
            FsyncDirectory(Path.GetDirectoryName(path)!);
        }
        return Task.CompletedTask;
    }

    private async Task PutFileAsync(BlobName name, string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        EnsureDirectory(folder, createRoot: false);

        // The move below is the real check; this one only saves writing a 16 MiB pack that would be thrown away.
        if (File.Exists(path))
        {
            throw new BlobExistsException(name);
        }

        var temp = Path.Combine(folder, TempPrefix + RandomSuffix());
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                UnixCreateMode = Modes.Writing,
                // Reserving the space up front turns most disk-full failures into an immediate error instead of one
                // after writing most of the object.
                PreallocationSize = data.Length,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                // Read-only before it gets its final name: a stored object is never changed again.
                File.SetUnixFileMode(stream.SafeFileHandle, Modes.File);
                Modes.GiveAway(temp);
                if (name.Kind != BlobKind.Lock)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            if (!MoveWithoutReplacing(temp, path))
            {
                throw new BlobExistsException(name);
            }
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            TryDelete(temp);
            throw new IOException($"No space left on device while storing {name} in {root}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        // Not cancellable: the object is already under its final name, and returning before the folder is durable
        // would break the contract.
        if (name.Kind != BlobKind.Lock)
        {
            FsyncDirectory(folder);
        }
    }

    private const int NoSpaceErrno = 28;

    private static bool IsDiskFull(IOException e) =>
        e.HResult == NoSpaceErrno || e.Message.Contains("disk was full", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("disk is full", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("No space left", StringComparison.Ordinal);

    private IEnumerable<BlobInfo> Enumerate(BlobKind kind)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"blob store root {root} does not exist");
        }

        if (kind == BlobKind.Config)
        {
            if (TryGetLength(Path.Combine(root, BlobNameOfConfig.RelativePath)) is { } size)
            {
                yield return new BlobInfo(BlobNameOfConfig, size);
            }
            yield break;
        }

        var folder = Path.Combine(root, BlobName.FolderOf(kind));
        if (kind != BlobKind.Pack)
        {
            using var files = OpenOrNull(() => ListFiles(folder, kind, requiredPrefix: null));
            while (files?.MoveNext() == true)
            {
                yield return files.Current;
            }
            yield break;
        }

        using var fanOuts = OpenOrNull(() => ListFanOutFolders(folder));
        while (fanOuts?.MoveNext() == true)
        {
            // A fan-out folder is never deleted, so one that vanishes mid-listing is an error, not an empty folder.
            foreach (var info in ListFiles(Path.Combine(folder, fanOuts.Current), kind, requiredPrefix: fanOuts.Current))
            {
                yield return info;
            }
        }
    }

    // Only opendir's ENOENT may mean "no objects of this kind": Directory.Exists also says false for a folder it cannot
    // search, and an empty listing of an unreadable folder is how prune deletes live data.
    // FileSystemEnumerable opens the folder in its constructor, so construction must happen inside the guard.
    private static IEnumerator<T>? OpenOrNull<T>(Func<IEnumerable<T>> entries)
    {
        try
        {
            return entries().GetEnumerator();
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static long? TryGetLength(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return RandomAccess.GetLength(handle);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string PathOf(BlobName name)
    {
        if (name.Kind != BlobKind.Config)
        {
            var n = name.Name;
            if (string.IsNullOrEmpty(n) || n == "." || n == ".." || n.StartsWith(TempPrefix, StringComparison.Ordinal)
                || n.AsSpan().IndexOfAny('/', '\\', '\0') >= 0 || (name.Kind == BlobKind.Pack && n.Length < 2))
            {
                throw new ArgumentException($"'{n}' is not a valid {name.Kind} name", nameof(name));
            }
        }
        return Path.Combine(root, name.RelativePath);
    }

    private SafeFileHandle OpenForRead(BlobName name)
    {
        var path = PathOf(name);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(name);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot read {name} in {root}: {e.Message}", e);
        }
    }

    private static async Task ReadExactlyAsync(
        SafeFileHandle handle, BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, destination[done..], offset + done, cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException(
                    $"object {name} is {RandomAccess.GetLength(handle)} bytes; cannot read {destination.Length} bytes at offset {offset}");
            }
            done += read;
        }
    }

    private static IEnumerable<BlobInfo> ListFiles(string folder, BlobKind kind, string? requiredPrefix)
    {
        var entries = new System.IO.Enumeration.FileSystemEnumerable<BlobInfo>(
            folder,
            (ref System.IO.Enumeration.FileSystemEntry e) => new BlobInfo(new BlobName(kind, e.FileName.ToString()), e.Length),
            StrictEnumeration)
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) =>
                !e.IsDirectory
                && !e.FileName.StartsWith(TempPrefix, StringComparison.Ordinal)
                && (requiredPrefix is null || e.FileName.StartsWith(requiredPrefix, StringComparison.Ordinal)),
        };
        return entries;
    }

    private static IEnumerable<string> ListFanOutFolders(string folder) =>
        new System.IO.Enumeration.FileSystemEnumerable<string>(
            folder,
            (ref System.IO.Enumeration.FileSystemEntry e) => e.FileName.ToString(),
            StrictEnumeration)
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => e.IsDirectory && e.FileName.Length == 2,
        };

    // The defaults skip folders we cannot read; a listing with holes is how prune deletes live data.
    private static EnumerationOptions StrictEnumeration => new()
    {
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
        AttributesToSkip = 0,
    };

    private void EnsureDirectory(string folder, bool createRoot)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        var isRoot = string.Equals(folder, root, StringComparison.Ordinal);
        if (isRoot && !createRoot)
        {
            throw new DirectoryNotFoundException($"blob store root {root} does not exist");
        }

        var parent = Path.GetDirectoryName(folder);
        if (parent is null)
        {
            throw new DirectoryNotFoundException($"cannot create {folder}");
        }
        if (isRoot)
        {
            Directory.CreateDirectory(parent);
        }
        else
        {
            EnsureDirectory(parent, createRoot);
        }

        // A new root is private; the folders inside follow the root's mode. The mode is set again after creation
        // because the umask may have taken bits from it.
        var mode = isRoot ? LocalStoreModes.Private.Folder : Modes.Folder;
        Directory.CreateDirectory(folder, mode);
        File.SetUnixFileMode(folder, mode);
        if (!isRoot)
        {
            Modes.GiveAway(folder);
        }
        FsyncDirectory(parent);
    }

    private static string RandomSuffix()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure is what the caller needs to see; a leftover temporary file is skipped by listings.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // File.Move(overwrite: false) checks for the destination and then renames, so two concurrent puts of one name can
    // both succeed and the later one replaces the earlier: both calls here fail atomically when the name exists.
    private static bool MoveWithoutReplacing(string temp, string path)
    {
        if (OperatingSystem.IsLinux() && renameAt2Available)
        {
            int result;
            try
            {
                result = RenameAt2(AtFdCwd, temp, AtFdCwd, path, RenameNoReplace);
            }
            catch (EntryPointNotFoundException)
            {
                renameAt2Available = false;
                result = -1;
            }
            if (result == 0)
            {
                return true;
            }
            var errno = renameAt2Available ? Marshal.GetLastPInvokeError() : ENOSYS;
            if (errno == EEXIST)
            {
                return false;
            }
            if (errno is not (EINVAL or ENOSYS or ENOTSUP))
            {
                throw new IOException($"rename of {temp} to {path} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
            // The file system or C library cannot rename without replacing; a hard link can.
        }

        if (Link(temp, path) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == EEXIST
                ? false
                : throw new IOException($"link of {temp} to {path} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // The object is complete under its final name; a temporary name left behind by a failed unlink is skipped by
        // listings.
        TryDelete(temp);
        return true;
    }

    /// <summary>Flushes a directory's entries (a rename or create in it) to disk; throws <see cref="IOException"/> when it cannot.</summary>
    public static void FsyncDirectory(string folder)
    {
        int fd;
        do
        {
            fd = Open(folder, OpenDirectoryFlags());
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            throw DirectoryError("open", folder);
        }

        try
        {
            int result;
            do
            {
                result = Fsync(fd);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (result < 0)
            {
                throw DirectoryError("fsync", folder);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException DirectoryError(string call, string folder)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory {folder} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    // O_RDONLY is 0 everywhere. O_CLOEXEC keeps the descriptor out of child processes (dump tools) started meanwhile.
    private static int OpenDirectoryFlags()
    {
        if (OperatingSystem.IsLinux())
        {
            var arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
            return (arm ? 0x4000 : 0x10000) | 0x80000;
        }
        if (OperatingSystem.IsMacOS())
        {
            return 0x100000 | 0x1000000;
        }
        throw new PlatformNotSupportedException("LocalBlobStore needs to fsync directories, which it supports only on Linux and macOS");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
