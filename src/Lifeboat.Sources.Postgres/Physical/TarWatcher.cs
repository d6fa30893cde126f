using System.Text;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// A read-through stream over a tar archive that keeps the content of the few members it is asked about (the first
/// bytes of small ones, the last bytes of large ones) as they pass, so a base backup's backup_label, pg_control and
/// manifest tail are known without a temporary file or a second read. It also tells whether the archive ended
/// properly (two zero blocks), which a stream cut short does not.
/// </summary>
internal sealed class TarWatcher(Stream inner, IReadOnlyDictionary<string, int> watched) : Stream
{
    private const int Block = 512;

    private readonly byte[] _header = new byte[Block];
    private readonly Dictionary<string, byte[]> _captured = new(StringComparer.Ordinal);
    private int _headerFill;
    private long _remaining;   // content bytes of the current member still to come
    private long _padding;     // zero padding after the content
    private string? _member;
    private long _memberSize;
    private List<byte>? _capture;
    private int _captureLimit;
    private int _zeroBlocks;

    /// <summary>Whether the end-of-archive marker (two zero blocks) has passed.</summary>
    public bool Ended => _zeroBlocks >= 2;

    /// <summary>Members seen so far.</summary>
    public int Members { get; private set; }

    /// <summary>
    /// The captured bytes of a watched member: its first <c>limit</c> bytes when it is no larger, else its last
    /// <c>limit</c> bytes; null when it did not pass.
    /// </summary>
    public byte[]? Captured(string member) => _captured.GetValueOrDefault(member);

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0 && !Ended)
        {
            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, data.Length);
                _capture?.AddRange(data[..take]);
                if (_capture is not null && _capture.Count > 2 * _captureLimit)
                {
                    _capture.RemoveRange(0, _capture.Count - _captureLimit);
                }
                _remaining -= take;
                data = data[take..];
                if (_remaining == 0 && _capture is not null)
                {
                    _captured[_member!] = [.. _capture.Count > _captureLimit ? _capture.GetRange(_capture.Count - _captureLimit, _captureLimit) : _capture];
                    _capture = null;
                }
                continue;
            }
            if (_padding > 0)
            {
                var skip = (int)Math.Min(_padding, data.Length);
                _padding -= skip;
                data = data[skip..];
                continue;
            }
            var copy = Math.Min(Block - _headerFill, data.Length);
            data[..copy].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += copy;
            data = data[copy..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                StartMember();
            }
        }
    }

    private void StartMember()
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _zeroBlocks++;
            return;
        }
        _zeroBlocks = 0;
        var name = Text(0, 100);
        var prefix = Text(345, 155);
        if (prefix.Length > 0 && Encoding.ASCII.GetString(_header, 257, 5) == "ustar")
        {
            name = prefix + "/" + name;
        }
        if (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }
        _memberSize = Size();
        _remaining = _memberSize;
        _padding = (Block - _memberSize % Block) % Block;
        _member = name;
        Members++;
        _capture = watched.TryGetValue(name, out var limit) ? [] : null;
        _captureLimit = limit;
        if (_capture is not null && _memberSize == 0)
        {
            _captured[name] = [];
            _capture = null;
        }
    }

    private long Size()
    {
        if ((_header[124] & 0x80) != 0)
        {
            // GNU base-256 for sizes that do not fit 11 octal digits.
            long value = 0;
            for (var i = 125; i < 136; i++)
            {
                value = (value << 8) | _header[i];
            }
            return value;
        }
        var octal = Text(124, 12);
        try
        {
            return octal.Length == 0 ? 0 : Convert.ToInt64(octal, 8);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"the tar stream has a member with the malformed size field '{octal}'");
        }
    }

    private string Text(int offset, int length)
    {
        var span = _header.AsSpan(offset, length);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]).Trim();
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
