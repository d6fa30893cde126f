using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// The RDB payload of a <c>SYNC</c> answer as a read-only stream: exactly the announced number of bytes, or, in the
/// diskless format, everything up to the 40-byte end mark. While it passes, the stream checks the "REDIS" magic and
/// computes the CRC-64 of all but the last 8 bytes; at the end it compares that with the trailing checksum, so a short,
/// foreign or damaged transfer makes <see cref="Read(Span{byte})"/> throw instead of reaching end of stream. The bytes
/// are also handed to an <see cref="RdbKeyCounter"/> on its own thread.
/// </summary>
internal sealed class RdbTransferStream : Stream
{
    private const int MarkLength = 40;

    private readonly RespClient _client;
    private readonly byte[]? _mark;
    private readonly byte[] _pending = new byte[256 * 1024];
    private readonly byte[] _crcTail = new byte[8];
    private readonly byte[] _header = new byte[9];
    private readonly Pipe _counterInput = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20, useSynchronizationContext: false));
    private readonly Task<RdbKeyCounts> _counter;
    private int _pendingStart, _pendingEnd, _crcTailLength;
    private long _remaining, _released;
    private ulong _crc;
    private bool _received, _verified, _counterClosed;

    public RdbTransferStream(RespClient client, long length, byte[]? mark)
    {
        _client = client;
        _mark = mark;
        _remaining = length;
        var input = _counterInput.Reader;
        _counter = Task.Factory.StartNew(() =>
        {
            var stream = input.AsStream();
            try
            {
                return RdbKeyCounter.Count(stream);
            }
            finally
            {
                // Drained to the end so the writer never waits on a counter that stopped early.
                stream.CopyTo(Stream.Null);
                input.Complete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Bytes of the RDB file read so far.</summary>
    public long BytesRead => _released;

    /// <summary>The verified CRC-64 (once the stream reached its end).</summary>
    public ulong Crc => _verified ? _crc : throw new InvalidOperationException("the RDB has not been read to its end");

    /// <summary>The key counts, once the stream reached its end; throws what the counter threw.</summary>
    public Task<RdbKeyCounts> CountsAsync() => _counter;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _released; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var holdBack = _received ? 0 : _mark is null ? 0 : MarkLength;
            var available = _pendingEnd - _pendingStart - holdBack;
            if (available > 0 && buffer.Length > 0)
            {
                var count = Math.Min(available, buffer.Length);
                var chunk = _pending.AsSpan(_pendingStart, count);
                Pass(chunk);
                chunk.CopyTo(buffer);
                _pendingStart += count;
                return count;
            }
            if (_received)
            {
                Finish();
                return 0;
            }
            Receive();
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseCounter();
        }
        base.Dispose(disposing);
    }

    private void Receive()
    {
        if (_pendingStart > 0)
        {
            Buffer.BlockCopy(_pending, _pendingStart, _pending, 0, _pendingEnd - _pendingStart);
            (_pendingStart, _pendingEnd) = (0, _pendingEnd - _pendingStart);
        }
        var space = _pending.AsSpan(_pendingEnd);
        if (_mark is null)
        {
            space = space[..(int)Math.Min(space.Length, _remaining)];
        }
        var read = _client.ReadRaw(space);
        if (read == 0)
        {
            var got = (_released + _pendingEnd - _pendingStart).ToString("N0", CultureInfo.InvariantCulture);
            throw new RedisException(_mark is null
                ? $"{_client.Endpoint} closed the connection after {got} of {(_released + _pendingEnd - _pendingStart + _remaining).ToString("N0", CultureInfo.InvariantCulture)} RDB bytes: the snapshot is incomplete"
                : $"{_client.Endpoint} closed the connection after {got} RDB bytes, before the end mark: the snapshot is incomplete");
        }
        _pendingEnd += read;
        if (_mark is null)
        {
            _remaining -= read;
            _received = _remaining == 0;
        }
        else if (_pendingEnd >= MarkLength && _pending.AsSpan(_pendingEnd - MarkLength, MarkLength).SequenceEqual(_mark))
        {
            _pendingEnd -= MarkLength;
            _received = true;
        }
    }

    private void Pass(ReadOnlySpan<byte> chunk)
    {
        if (_released < _header.Length)
        {
            var take = (int)Math.Min(chunk.Length, _header.Length - _released);
            chunk[..take].CopyTo(_header.AsSpan((int)_released));
            if (_released + take >= 5 && !_header.AsSpan(0, 5).SequenceEqual("REDIS"u8))
            {
                throw new RedisException($"{_client.Endpoint} sent something that is not an RDB file (it does not start with REDIS)");
            }
        }
        _released += chunk.Length;
        // The CRC covers everything but the last 8 bytes, which are not known to be the last until the end.
        if (chunk.Length >= 8)
        {
            _crc = Crc64.Update(_crc, _crcTail.AsSpan(0, _crcTailLength));
            _crc = Crc64.Update(_crc, chunk[..^8]);
            chunk[^8..].CopyTo(_crcTail);
            _crcTailLength = 8;
        }
        else
        {
            Span<byte> joined = stackalloc byte[16];
            _crcTail.AsSpan(0, _crcTailLength).CopyTo(joined);
            chunk.CopyTo(joined[_crcTailLength..]);
            var total = _crcTailLength + chunk.Length;
            var over = Math.Max(0, total - 8);
            _crc = Crc64.Update(_crc, joined[..over]);
            joined[over..total].CopyTo(_crcTail);
            _crcTailLength = total - over;
        }
        if (!_counterClosed)
        {
            _counterInput.Writer.Write(chunk);
            var flushed = _counterInput.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            if (flushed.IsCompleted)
            {
                _counterClosed = true;
            }
        }
    }

    private void Finish()
    {
        if (_verified)
        {
            return;
        }
        CloseCounter();
        if (_released < _header.Length + 1 + 8)
        {
            throw new RedisException($"{_client.Endpoint} sent an RDB of only {_released} bytes: too short to be a snapshot");
        }
        if (!int.TryParse(_header.AsSpan(5, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 5)
        {
            throw new RedisException($"{_client.Endpoint} sent an RDB of version {System.Text.Encoding.ASCII.GetString(_header, 5, 4)}, which carries no checksum; Lifeboat needs Redis 2.6 or newer");
        }
        var expected = BinaryPrimitives.ReadUInt64LittleEndian(_crcTail);
        if (expected == 0)
        {
            throw new RedisException($"{_client.Endpoint} writes RDB files without a checksum, so the snapshot cannot be verified: set 'rdbchecksum yes' in its configuration and restart it");
        }
        if (expected != _crc)
        {
            throw new RedisException($"the RDB from {_client.Endpoint} is damaged: its CRC-64 is {_crc:x16} but it carries {expected:x16}; no snapshot was recorded, run the backup again");
        }
        _verified = true;
    }

    private void CloseCounter()
    {
        if (!_counterClosed)
        {
            _counterClosed = true;
            _counterInput.Writer.Complete();
        }
    }
}
