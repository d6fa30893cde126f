using Lifeboat.Crypto;
using Lifeboat.Repository;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Restore;

/// <summary>
/// A file being written under its temporary name by one or more <see cref="FilePart"/>s at once. Thread-safe: parts
/// record their chunks' hashes in disjoint slots of <see cref="ChunkHashes"/> and count their bytes; the part that
/// finishes last (<see cref="PartDone"/> returns true) verifies the whole file and renames it into place.
/// </summary>
internal sealed class RestoringFile(RestoreItem item, List<ChunkLocation> locations, int parts)
{
    private readonly Lock _lock = new();
    private FileStream? _stream;
    private bool _created;
    private bool _placed;
    private int _outstanding = parts;
    private long _written;
    private string? _failure;

    /// <summary>What is restored and where.</summary>
    public RestoreItem Item { get; } = item;

    /// <summary>Where each chunk of the file is, in file order.</summary>
    public List<ChunkLocation> Locations { get; } = locations;

    /// <summary>Each chunk's plaintext SHA-256 once it has been read and checked.</summary>
    public Digest[] ChunkHashes { get; } = new Digest[locations.Count];

    /// <summary>The name the file is written under until it is verified.</summary>
    public string TemporaryPath { get; } = FileRestorer.TemporaryPath(item.TargetPath);

    /// <summary>Bytes written by all parts so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>The first reason a part failed, or null.</summary>
    public string? Failure
    {
        get
        {
            lock (_lock)
            {
                return _failure;
            }
        }
    }

    /// <summary>
    /// The temporary file, created by the first caller: owner-only until the snapshot's mode is applied, so a key or
    /// .env file is never readable by others while it is written (the umask default would be 0644).
    /// </summary>
    public SafeFileHandle Open()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_placed, this);
            if (_stream is null)
            {
                _stream = new FileStream(TemporaryPath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                _created = true;
            }
            return _stream.SafeFileHandle;
        }
    }

    /// <summary>Counts bytes a part wrote.</summary>
    public void Wrote(long bytes) => Interlocked.Add(ref _written, bytes);

    /// <summary>Records why the file cannot be restored; the first reason is kept.</summary>
    public void Fail(string reason)
    {
        lock (_lock)
        {
            _failure ??= reason;
        }
    }

    /// <summary>Called once per part, whether it succeeded or not; true for the last one.</summary>
    public bool PartDone() => Interlocked.Decrement(ref _outstanding) == 0;

    /// <summary>Closes the verified temporary file and moves it under its final name.</summary>
    public void Place(Action<string> beforeRename)
    {
        lock (_lock)
        {
            _stream?.Dispose();
            _stream = null;
            beforeRename(TemporaryPath);
            File.Move(TemporaryPath, Item.TargetPath, overwrite: true);
            _placed = true;
        }
    }

    /// <summary>
    /// Unless the file was placed: closes it and deletes the temporary name. Safe to call more than once and after a
    /// failure of any kind; a temporary name that cannot be deleted is left (it is never a final name).
    /// </summary>
    public void Abandon()
    {
        lock (_lock)
        {
            if (_placed || !_created)
            {
                return;
            }
            _stream?.Dispose();
            _stream = null;
            try
            {
                File.Delete(TemporaryPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The failure that led here is what gets reported.
            }
            _created = false;
        }
    }
}
