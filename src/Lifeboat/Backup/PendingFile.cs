using Lifeboat.Crypto;
using Lifeboat.FileSystem;

namespace Lifeboat.Backup;

/// <summary>
/// A file whose content is being read and chunked. The reader numbers the chunks in file order; workers fill in each
/// chunk's ID and plaintext SHA-256 in any order; the file completes when the reader has finished and every chunk is
/// accounted for, and its content hash is then built from the chunk hashes in order. Content comes from the file at
/// <see cref="Path"/>, or from <see cref="Stream"/> when a source produces it (a dump, a snapshot stream).
/// </summary>
internal sealed class PendingFile(string path, FileStatus status, Stream? stream = null)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<FileContent?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Digest[] _ids = new Digest[1];
    private Digest[] _hashes = new Digest[1];
    private int _count;
    private int _outstanding = 1; // the reader's own hold, released by Finish or Fail
    private bool _finished;
    private long _size;

    public string Path { get; } = path;
    public FileStatus Status { get; } = status;

    /// <summary>The content to read to its end instead of the file at <see cref="Path"/>; not owned.</summary>
    public Stream? Stream { get; } = stream;

    /// <summary>Why the content could not be read, once <see cref="Completion"/> has completed with null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The content, or null when the file could not be read (the reason is in the progress errors).</summary>
    public Task<FileContent?> Completion => _completion.Task;

    /// <summary>Called by the reader before handing chunk <paramref name="index"/> to a worker.</summary>
    public void ChunkQueued(int index)
    {
        lock (_lock)
        {
            if (index >= _ids.Length)
            {
                var length = Math.Max(_ids.Length * 2, index + 1);
                Array.Resize(ref _ids, length);
                Array.Resize(ref _hashes, length);
            }
            _count = index + 1;
            _outstanding++;
        }
    }

    /// <summary>Called by a worker once the chunk's ID is known and the chunk is indexed or handed to the packer.</summary>
    public void ChunkDone(int index, Digest id, Digest sha256)
    {
        bool complete;
        lock (_lock)
        {
            _ids[index] = id;
            _hashes[index] = sha256;
            complete = --_outstanding == 0;
        }
        if (complete)
        {
            Complete();
        }
    }

    /// <summary>Called by the reader after the last chunk, with the number of bytes it read.</summary>
    public void Finish(long size)
    {
        bool complete;
        lock (_lock)
        {
            _finished = true;
            _size = size;
            complete = --_outstanding == 0;
        }
        if (complete)
        {
            Complete();
        }
    }

    /// <summary>Called by the reader when the file cannot be read; the file is left out of the snapshot.</summary>
    public void Fail(Exception reason)
    {
        Failure = reason;
        _completion.TrySetResult(null);
    }

    private void Complete()
    {
        if (!_finished)
        {
            return;
        }
        _completion.TrySetResult(new FileContent(_ids[.._count], Snapshots.ContentHash.Of(_hashes.AsSpan(0, _count)), _size));
    }
}
