using System.Diagnostics;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// A child program's stdout as read into the repository: counts the bytes, checks the custom-format archive's
/// "PGDMP" magic, and, because the backup pipeline reads synchronously, stops a program that leaves a read waiting
/// longer than the stall limit (a lock it waits for, a dead network) by killing it, which ends the stream; the run
/// then fails on the program's exit status. Time the pipeline spends not reading (a slow repository) never counts.
/// </summary>
public sealed class DumpStream : Stream
{
    private static readonly byte[] Magic = "PGDMP"u8.ToArray();

    private readonly Stream _inner;
    private readonly int _processId;
    private readonly TimeSpan _stallLimit;
    private readonly Timer _watchdog;
    private readonly byte[] _head = new byte[Magic.Length];
    private long _readingSince = -1;
    private long _length;

    /// <summary>Reads <paramref name="inner"/>; kills process <paramref name="processId"/> when one read waits longer than <paramref name="stallLimit"/>.</summary>
    public DumpStream(Stream inner, int processId, TimeSpan stallLimit)
    {
        _inner = inner;
        _processId = processId;
        _stallLimit = stallLimit;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(stallLimit.TotalMilliseconds / 4, 50, 10_000));
        _watchdog = new Timer(_ => Check(), null, period, period);
    }

    /// <summary>Whether the program was killed for leaving a read waiting too long.</summary>
    public bool Stalled { get; private set; }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _length;

    /// <summary>Whether the first bytes are a pg_dump custom-format archive's magic.</summary>
    public bool HasArchiveMagic => _length >= Magic.Length && _head.AsSpan().SequenceEqual(Magic);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        Interlocked.Exchange(ref _readingSince, Stopwatch.GetTimestamp());
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        finally
        {
            Interlocked.Exchange(ref _readingSince, -1);
        }
        Remember(buffer[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _readingSince, Stopwatch.GetTimestamp());
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken);
        }
        finally
        {
            Interlocked.Exchange(ref _readingSince, -1);
        }
        Remember(buffer.Span[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _watchdog.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Remember(ReadOnlySpan<byte> data)
    {
        if (_length < Magic.Length)
        {
            var take = (int)Math.Min(Magic.Length - _length, data.Length);
            data[..take].CopyTo(_head.AsSpan((int)_length));
        }
        _length += data.Length;
    }

    private void Check()
    {
        var since = Interlocked.Read(ref _readingSince);
        if (since < 0 || Stopwatch.GetElapsedTime(since) < _stallLimit || Stalled)
        {
            return;
        }
        Stalled = true;
        try
        {
            using var process = Process.GetProcessById(_processId);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Exited meanwhile: the read ends by itself.
        }
    }
}
