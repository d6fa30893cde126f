using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Storage;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// A local folder of markers, one per segment that a <c>wal push</c> archived ahead of PostgreSQL asking for it (a
/// sibling marked <c>archive_status/*.ready</c>). A marker is written only after the segment is durable in the
/// repository and records the segment's file stamp (<see cref="WalFileStamp"/>), or its SHA-256 when no stamp could
/// vouch for the content, and the repository it went to; a later push of that segment into the same repository whose
/// file still has that stamp, or whose content hashes the same, is already done and needs no repository at all.
/// </summary>
public sealed class WalSpool
{
    internal const string ClaimName = ".ahead";
    private const string AheadLockName = ".ahead.lock";
    private const int WouldBlock = 11;

    private readonly string _directory;
    private readonly string _repository;
    private readonly string _component;

    /// <summary>A spool at <paramref name="directory"/> for pushes of <paramref name="component"/> into <paramref name="repository"/> (its location).</summary>
    public WalSpool(string directory, string repository, string component)
    {
        _directory = Path.GetFullPath(directory);
        _repository = repository;
        _component = component;
    }

    /// <summary>The spool folder.</summary>
    public string Directory => _directory;

    /// <summary>
    /// The default spool for a WAL file: <c>lifeboat-spool</c> next to its <c>pg_wal</c> folder when the file lies in a
    /// folder named pg_wal that has an archive_status folder (PostgreSQL's layout); otherwise null (no batching).
    /// </summary>
    public static string? DefaultDirectory(string walFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(walFile))!;
        return Path.GetFileName(folder) == "pg_wal" && System.IO.Directory.Exists(Path.Combine(folder, "archive_status"))
            ? Path.Combine(Path.GetDirectoryName(folder)!, "lifeboat-spool")
            : null;
    }

    /// <summary>
    /// True when a marker proves <paramref name="walFile"/>'s current content was already archived into this spool's
    /// repository for its component; the marker is consumed then. The proof is the file's unchanged stamp (same inode,
    /// size, mtime and ctime as when it was read for archiving), else its SHA-256 equal to the recorded one (recorded
    /// only for a file its stamp could not vouch for). A marker
    /// that does not match (other content, other repository or component, unreadable) proves nothing: false, and the
    /// caller pushes normally. Synchronous: it is the whole of most pushes, and runs before anything else is loaded.
    /// A marker that proves nothing is deleted, unless <paramref name="keepStale"/>: a caller that hands the push on to
    /// one that checks again keeps it, so that one does not wait for a background process that already wrote it.
    /// </summary>
    public bool TryConsume(string walFile, bool keepStale = false)
    {
        var marker = MarkerPath(Path.GetFileName(walFile));
        WalSpoolMarker? recorded;
        try
        {
            recorded = WalSpoolMarker.Parse(File.ReadAllText(marker, Encoding.UTF8));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        if (recorded is null || recorded.Repository != _repository || recorded.Component != _component || recorded.File != Path.GetFileName(walFile))
        {
            return false;
        }
        var same = recorded.Stamp is { } stamp && Unchanged(walFile, stamp);
        if (!same && recorded.Sha256 is not null)
        {
            using var stream = new FileStream(walFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            same = Convert.ToHexStringLower(SHA256.HashData(stream)) == recorded.Sha256;
        }
        // A mismatch means the marker is stale, and the normal push that follows decides.
        if (same || !keepStale)
        {
            File.Delete(marker);
        }
        return same;
    }

    private static bool Unchanged(string walFile, WalFileStamp stamp)
    {
        try
        {
            return WalFileStamp.Of(walFile) == stamp;
        }
        catch (FileNotFoundException)
        {
            // Reported by the hash path's open, with the message every other push gives for a missing file.
            return false;
        }
    }

    /// <summary>
    /// Segments (not partial or history files) in <paramref name="walFile"/>'s folder that PostgreSQL has marked ready
    /// to archive, other than those already holding a marker, oldest first, at most <paramref name="limit"/>;
    /// <paramref name="walFile"/> itself only when <paramref name="includeSelf"/>.
    /// </summary>
    public IReadOnlyList<string> ReadySiblings(string walFile, int limit, bool includeSelf = false)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(walFile))!;
        var status = Path.Combine(folder, "archive_status");
        if (!System.IO.Directory.Exists(status))
        {
            return [];
        }
        var self = Path.GetFileName(walFile);
        return [.. System.IO.Directory.EnumerateFiles(status, "*.ready")
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Where(n => (includeSelf || n != self) && WalFileName.TryParse(n) is { Kind: WalFileKind.Segment } && !File.Exists(MarkerPath(n)) && File.Exists(Path.Combine(folder, n)))
            .Order(StringComparer.Ordinal)
            .Take(limit)
            .Select(n => Path.Combine(folder, n))];
    }

    /// <summary>
    /// Records that <paramref name="walFile"/> is durable in the repository with the content it held while its stamp was
    /// <paramref name="stamp"/>, or, when no stamp could vouch for it (null, see <see cref="WalFileStamp.ReadAll"/>), with
    /// the content whose SHA-256 is <paramref name="sha256"/> (one of the two is required). Call only after the push
    /// returned; the marker is itself durable (temporary name, flushed, renamed, folder flushed).
    /// </summary>
    public async Task RecordAsync(string walFile, string? sha256, WalFileStamp? stamp, CancellationToken cancellationToken)
    {
        if (sha256 is null && stamp is null)
        {
            throw new ArgumentException("a marker needs the file's stamp or its content's SHA-256", nameof(sha256));
        }
        EnsureDirectory();
        var name = Path.GetFileName(walFile);
        var marker = new WalSpoolMarker { File = name, Sha256 = sha256, Repository = _repository, Component = _component, Stamp = stamp };
        var temporary = Path.Combine(_directory, $".{name}.{Guid.NewGuid():N}");
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(marker.Format()), cancellationToken);
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, MarkerPath(name), overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        LocalBlobStore.FsyncDirectory(_directory);
    }

    /// <summary>
    /// Records <paramref name="claim"/>, replacing any earlier one. Not flushed: a claim lost in a crash costs only a
    /// duplicate push (see <see cref="WalAheadClaim"/>).
    /// </summary>
    public void Claim(WalAheadClaim claim)
    {
        EnsureDirectory();
        var temporary = Path.Combine(_directory, $"{ClaimName}.{Guid.NewGuid():N}");
        File.WriteAllText(temporary, claim.Format());
        File.Move(temporary, Path.Combine(_directory, ClaimName), overwrite: true);
    }

    /// <summary>The current claim, or null when there is none or it cannot be read.</summary>
    public WalAheadClaim? ReadClaim()
    {
        try
        {
            return WalAheadClaim.Parse(File.ReadAllText(Path.Combine(_directory, ClaimName), Encoding.UTF8));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the spool's lock for archiving ahead (an exclusive advisory lock, released when the process ends): the open
    /// lock file, to dispose when done, or null when another process holds it.
    /// </summary>
    public FileStream? TryLockAhead()
    {
        EnsureDirectory();
        try
        {
            return new FileStream(Path.Combine(_directory, AheadLockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult == WouldBlock)
        {
            // The lock is held: .NET reports flock's EWOULDBLOCK as an IOException carrying the errno.
            return null;
        }
    }

    /// <summary>
    /// When <paramref name="walFile"/> has no marker yet and a running process archiving ahead has claimed it, waits
    /// until the marker appears, that process ends, or <paramref name="limit"/> passes; otherwise returns at once.
    /// <see cref="TryConsume"/> decides afterwards: waiting never stands in for the marker's proof.
    /// </summary>
    public void WaitForAhead(string walFile, TimeSpan limit)
    {
        var name = Path.GetFileName(walFile);
        var marker = MarkerPath(name);
        if (File.Exists(marker) || ReadClaim() is not { } claim || !claim.Files.Contains(name) || !claim.IsRunning())
        {
            return;
        }
        var clock = Stopwatch.StartNew();
        var alive = clock.Elapsed;
        while (!File.Exists(marker) && clock.Elapsed < limit)
        {
            // Checking the process reads two /proc files; the marker is polled more often than that.
            if (clock.Elapsed - alive > TimeSpan.FromMilliseconds(100))
            {
                if (!claim.IsRunning())
                {
                    return;
                }
                alive = clock.Elapsed;
            }
            Thread.Sleep(5);
        }
    }

    /// <summary>Deletes markers whose segment is no longer in <paramref name="walFolder"/> (PostgreSQL recycled it).</summary>
    public void Sweep(string walFolder)
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return;
        }
        foreach (var marker in System.IO.Directory.EnumerateFiles(_directory))
        {
            var name = Path.GetFileName(marker);
            if (!name.StartsWith('.') && !File.Exists(Path.Combine(walFolder, name)))
            {
                File.Delete(marker);
            }
        }
    }

    private void EnsureDirectory()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            System.IO.Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string MarkerPath(string fileName) => Path.Combine(_directory, fileName);
}
