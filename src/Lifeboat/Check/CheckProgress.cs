namespace Lifeboat.Check;

/// <summary>
/// How far a check has come, for a progress display; safe to read from another thread while the check runs. The bytes
/// are those the check verifies: every directory listing (tree chunk) it loads and, with read-data, every pack it
/// reads. <see cref="BytesTotal"/> is known once the packs are listed and the index is loaded.
/// </summary>
public sealed class CheckProgress
{
    private long _bytesDone, _bytesTotal;
    private volatile string _stage = "";

    /// <summary>What the check is doing now ("loading indexes", "read 3/10 packs", ...).</summary>
    public string Stage => _stage;
    /// <summary>Bytes verified so far.</summary>
    public long BytesDone => Interlocked.Read(ref _bytesDone);
    /// <summary>Bytes the check expects to verify (0 until known).</summary>
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    internal void Begin(string stage) => _stage = stage;
    internal void Expect(long bytes) => Interlocked.Add(ref _bytesTotal, bytes);
    internal void Verified(long bytes) => Interlocked.Add(ref _bytesDone, bytes);
}
