using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// Collects sealed chunks into one pack until it reaches the target size, writing into a buffer the caller lends
/// (so a pipeline can recycle a fixed set of pack buffers and keep memory bounded). Not thread-safe.
/// </summary>
public sealed class PackBuilder(int targetSize)
{
    private readonly List<PackEntry> _entries = [];
    private byte[]? _buffer;
    private int _length;

    /// <summary>The buffer size that holds a full pack of ordinary chunks without growing: target plus header room.</summary>
    public static int BufferSize(int targetSize) => targetSize + 1024 * 1024;

    /// <summary>Whether a buffer is lent.</summary>
    public bool HasBuffer => _buffer is not null;

    /// <summary>Whether the pack has reached its target size.</summary>
    public bool IsFull => _length >= targetSize;

    /// <summary>Whether adding <paramref name="chunk"/> would take a non-empty pack past its target size.</summary>
    public bool WouldOverflow(SealedChunk chunk) => !IsEmpty && _length + chunk.Bytes.Length > targetSize;

    /// <summary>Whether no chunk was added.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>Lends the buffer the next pack is written into.</summary>
    public void Start(byte[] buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    /// <summary>Appends a chunk (copying its bytes) and disposes it.</summary>
    public void Add(SealedChunk chunk)
    {
        using (chunk)
        {
            var bytes = chunk.Bytes;
            EnsureRoom(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _entries.Add(chunk.Entry with { Offset = (uint)_length });
            _length += bytes.Length;
        }
    }

    /// <summary>Appends the header and hands over the finished pack with its buffer; the builder then has none.</summary>
    public FinishedPack Finish(SecretBox box)
    {
        var header = PackHeader.Build(_entries, box);
        EnsureRoom(header.Length);
        header.CopyTo(_buffer.AsSpan(_length));
        var length = _length + header.Length;
        var pack = new FinishedPack(Digest.Sha256(_buffer.AsSpan(0, length)), _buffer!, length, [.. _entries]);
        _entries.Clear();
        _buffer = null;
        _length = 0;
        return pack;
    }

    private void EnsureRoom(int bytes)
    {
        if (_buffer is null)
        {
            throw new InvalidOperationException("no buffer lent: call Start first");
        }
        if (_length + bytes > _buffer.Length)
        {
            // Only packs of very many tiny chunks have headers this large; the bigger buffer is recycled as it is.
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }
    }
}
