using System.Diagnostics;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The local folder pg_receivewal writes into for <c>lifeboat wal receive</c>. pg_receivewal writes the current
/// segment as <c>X.partial</c> (flushed as it goes) and renames it to <c>X</c> once complete; timeline history files
/// appear under their final name only once complete. Every completed file is pushed into the archive and deleted only
/// after the archive holds it durably, so the folder never loses WAL the repository lacks. One receiver at a time:
/// the folder is locked for the lifetime of this object.
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
            var (stored, _, _) = await _archive.PushFileAsync(path, _component, cancellationToken);
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
