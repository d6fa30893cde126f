namespace Lifeboat.Backup;

/// <summary>Live counters of a running backup, updated from pipeline threads and read by progress displays.</summary>
public sealed class BackupProgress
{
    private long _filesSeen, _filesRead, _bytesRead, _bytesToRead, _newBytes, _storedBytes, _newChunks;
    private long _filesTotal = -1, _bytesTotal = -1;

    /// <summary>Files and directories visited so far.</summary>
    public long FilesSeen => Interlocked.Read(ref _filesSeen);
    /// <summary>Files whose content has been read.</summary>
    public long FilesRead => Interlocked.Read(ref _filesRead);
    /// <summary>Bytes of content read.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    /// <summary>Bytes of new or changed files queued for reading.</summary>
    public long BytesToRead => Interlocked.Read(ref _bytesToRead);
    /// <summary>Plaintext bytes of chunks new to the repository.</summary>
    public long NewBytes => Interlocked.Read(ref _newBytes);
    /// <summary>Bytes written to the repository.</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);
    /// <summary>Chunks new to the repository.</summary>
    public long NewChunks => Interlocked.Read(ref _newChunks);
    /// <summary>Files in the source, once a scan has counted them (-1 until then).</summary>
    public long FilesTotal => Interlocked.Read(ref _filesTotal);
    /// <summary>Bytes in the source, once a scan has counted them (-1 until then).</summary>
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);
    /// <summary>Problems that did not change what was backed up (e.g. a damaged older snapshot), for display.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Warnings { get; } = new();

    /// <summary>Files that could not be read, with the reason; the snapshot leaves them out.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Errors { get; } = new();

    internal void Seen() => Interlocked.Increment(ref _filesSeen);
    internal void Queued(long bytes) => Interlocked.Add(ref _bytesToRead, bytes);
    internal void Read(long bytes) => Interlocked.Add(ref _bytesRead, bytes);
    internal void FileRead() => Interlocked.Increment(ref _filesRead);
    internal void NewChunk(long bytes)
    {
        Interlocked.Increment(ref _newChunks);
        Interlocked.Add(ref _newBytes, bytes);
    }
    internal void Stored(long bytes) => Interlocked.Add(ref _storedBytes, bytes);
    internal void Scanned(long files, long bytes)
    {
        Interlocked.Exchange(ref _bytesTotal, bytes);
        Interlocked.Exchange(ref _filesTotal, files);
    }

    /// <summary>The snapshot's summary from these counters and the walk's totals.</summary>
    internal Snapshots.BackupSummary Summarize(long files, long directories, long totalBytes, TimeSpan elapsed) => new()
    {
        Files = files,
        Directories = directories,
        FilesRead = FilesRead,
        TotalBytes = totalBytes,
        BytesRead = BytesRead,
        NewBytes = NewBytes,
        StoredBytes = StoredBytes,
        NewChunks = NewChunks,
        Seconds = Math.Round(elapsed.TotalSeconds, 3),
    };

    /// <summary>Runs the pre-commit check, then writes the snapshot: the commit point of every backup.</summary>
    internal async Task<BackupResult> CommitAsync(Repository.Repository repository, Snapshots.Snapshot snapshot,
        Func<CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken)
    {
        if (beforeCommit is not null)
        {
            await beforeCommit(cancellationToken);
        }
        var id = await repository.SaveSnapshotAsync(snapshot, cancellationToken);
        return new BackupResult(id, snapshot, [.. Errors], [.. Warnings]);
    }
}
