using System.Diagnostics;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The local folder pg_receivewal writes into for <c>lifeboat wal receive</c>. pg_receivewal writes the current
/// segment as <c>X.partial</c> (flushed as it goes) and renames it to <c>X</c> once complete; timeline history files
/// appear under their final name only once complete. Every completed file is pushed into the archive and deleted only
/// after the archive holds it durably, so the folder never loses WAL the repository lacks. One receiver at a time:
/// the folder is locked for the lifetime of this object, and the lock file names the pg_receivewal it runs, so that a
/// receiver killed without its child (kill -9) does not leave it streaming into the folder for good.
/// </summary>
public sealed class WalStaging : IDisposable
{
    private const string LockName = "lifeboat-receive.lock";

    private readonly FileStream _lock;
    private readonly WalArchive _archive;
    private readonly string _component;

    private WalStaging(string directory, FileStream held, WalArchive archive, string component)
    {
        Directory = directory;
        _lock = held;
        _archive = archive;
        _component = component;
    }

    /// <summary>The staging folder.</summary>
    public string Directory { get; }

    /// <summary>
    /// Creates (if needed) and locks <paramref name="directory"/>. Throws <see cref="IOException"/> when another
    /// receiver holds it: two pg_receivewal in one folder would write the same segment.
    /// </summary>
    public static WalStaging Open(string directory, WalArchive archive, string component)
    {
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        FileStream held;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Linux; it is released when the process ends.
            held = new FileStream(Path.Combine(full, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"the staging folder {full} is in use by another 'lifeboat wal receive' ({e.Message}); give each receiver its own --staging", e);
        }
        return new WalStaging(full, held, archive, component);
    }

    /// <summary>Records <paramref name="processId"/> (the pg_receivewal now writing here) in the lock file.</summary>
    public void RecordReceiver(int processId)
    {
        _lock.SetLength(0);
        _lock.Write(System.Text.Encoding.ASCII.GetBytes(processId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"));
        _lock.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Stops the pg_receivewal an earlier receiver started here if it still runs (that receiver was killed and its
    /// child lived on, holding the slot): it is interrupted, so it flushes and renames what it completed, and this
    /// waits up to 30 s for it to exit. Returns its process ID, or null when there was none. Throws
    /// <see cref="IOException"/> when it does not exit.
    /// </summary>
    public async Task<int?> StopOrphanAsync(CancellationToken cancellationToken)
    {
        _lock.Position = 0;
        var text = await new StreamReader(_lock, leaveOpen: true).ReadToEndAsync(cancellationToken);
        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || !IsReceiverHere(pid))
        {
            return null;
        }
        FileSystem.Posix.Interrupt(pid);
        var clock = Stopwatch.StartNew();
        while (IsReceiverHere(pid))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new IOException($"pg_receivewal (process {pid}) of an earlier receiver still writes into {Directory} 30 s after SIGINT; stop it, then start again");
            }
            await Task.Delay(100, cancellationToken);
        }
        return pid;
    }

    // Whether process pid is a pg_receivewal writing into this folder (not a reused process ID).
    private bool IsReceiverHere(int pid)
    {
        string[] arguments;
        try
        {
            arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var at = Array.IndexOf(arguments, "--directory");
        return Path.GetFileName(arguments[0]) == "pg_receivewal" && at > 0 && at + 1 < arguments.Length && arguments[at + 1] == Directory;
    }

    /// <summary>
    /// The completed WAL files in the folder (segments and history files; never <c>.partial</c> or temporary files),
    /// oldest first: a timeline's history file sorts before that timeline's segments.
    /// </summary>
    public IReadOnlyList<string> Completed() =>
    [
        .. System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).OfType<string>()
            .Where(n => WalFileName.TryParse(n) is { Kind: WalFileKind.Segment or WalFileKind.History })
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>The newest <c>.partial</c> segment pg_receivewal is writing (or left behind), or null.</summary>
    public string? Partial() => System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).OfType<string>()
        .Where(n => WalFileName.TryParse(n) is { Kind: WalFileKind.Partial }).Order(StringComparer.Ordinal).LastOrDefault();

    /// <summary>
    /// Pushes every completed file, oldest first, deleting each only once the archive holds it durably; calls
    /// <paramref name="pushed"/> after each. A push that fails (another content under the name, a segment of another
    /// cluster, a storage error) throws and leaves that file and every newer one in the folder.
    /// </summary>
    public async Task<int> PushCompletedAsync(Action<WalReceivedFile> pushed, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var name in Completed())
        {
            var path = Path.Combine(Directory, name);
            var completedAt = File.GetLastWriteTimeUtc(path);
            var clock = Stopwatch.StartNew();
            var stored = await _archive.PushAsync(path, _component, cancellationToken);
            var took = clock.Elapsed;
            var bytes = new FileInfo(path).Length;
            File.Delete(path);
            count++;
            pushed(new WalReceivedFile(name, bytes, stored, took, DateTime.UtcNow - completedAt));
        }
        return count;
    }

    public void Dispose() => _lock.Dispose();
}
