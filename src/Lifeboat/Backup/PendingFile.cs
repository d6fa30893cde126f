using Lifeboat.Crypto;
using Lifeboat.FileSystem;

namespace Lifeboat.Backup;

/// <summary>
/// A file whose content is being read and chunked. The reader adds chunks in order; workers fill in their IDs in any
/// order; the file completes when the reader has finished and every chunk is accounted for.
/// </summary>
internal sealed class PendingFile(string path, FileStatus status)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<FileContent?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Digest[] _ids = new Digest[1];
    private int _count;
    private int _outstanding = 1; // the reader's own hold, released by Finish or Fail
    private string? _sha256;
    private long _size;

    public string Path { get; } = path;
    public FileStatus Status { get; } = status;

    /// <summary>The content, or null when the file could not be read (the reason is in the progress errors).</summary>
    public Task<FileContent?> Completion => _completion.Task;

    /// <summary>Called by the reader before handing chunk <paramref name="index"/> to a worker.</summary>
    public void ChunkQueued(int index)
    {
        lock (_lock)
        {
            if (index >= _ids.Length)
            {
                Array.Resize(ref _ids, Math.Max(_ids.Length * 2, index + 1));
            }
            _count = index + 1;
            _outstanding++;
        }
    }

    /// <summary>Called by a worker once the chunk's ID is known and the chunk is indexed or handed to the packer.</summary>
    public void ChunkDone(int index, Digest id)
    {
        bool complete;
        lock (_lock)
        {
            _ids[index] = id;
            complete = --_outstanding == 0;
        }
        if (complete)
        {
            Complete();
        }
    }

    /// <summary>Called by the reader after the last chunk, with the SHA-256 of everything it read.</summary>
    public void Finish(string sha256, long size)
    {
        bool complete;
        lock (_lock)
        {
            _sha256 = sha256;
            _size = size;
            complete = --_outstanding == 0;
        }
        if (complete)
        {
            Complete();
        }
    }

    /// <summary>Called by the reader when the file cannot be read; the file is left out of the snapshot.</summary>
    public void Fail() => _completion.TrySetResult(null);

    private void Complete()
    {
        if (_sha256 is null)
        {
            return;
        }
        _completion.TrySetResult(new FileContent(_ids[.._count], _sha256, _size));
    }
}
