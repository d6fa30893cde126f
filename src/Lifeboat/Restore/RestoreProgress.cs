namespace Lifeboat.Restore;

/// <summary>Live counters of a running restore.</summary>
public sealed class RestoreProgress
{
    private long _filesDone, _bytesWritten, _filesTotal, _bytesTotal;

    /// <summary>Files restored so far.</summary>
    public long FilesDone => Interlocked.Read(ref _filesDone);
    /// <summary>Bytes written so far.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);
    /// <summary>Files to restore.</summary>
    public long FilesTotal => Interlocked.Read(ref _filesTotal);
    /// <summary>Bytes to restore.</summary>
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    internal void Planned(long files, long bytes)
    {
        Interlocked.Exchange(ref _filesTotal, files);
        Interlocked.Exchange(ref _bytesTotal, bytes);
    }
    internal void Wrote(long bytes) => Interlocked.Add(ref _bytesWritten, bytes);
    internal void FileDone() => Interlocked.Increment(ref _filesDone);
}
