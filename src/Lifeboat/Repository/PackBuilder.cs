using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// Collects sealed chunks into one pack until it reaches the target size. Not thread-safe: one writer at a time.
/// </summary>
public sealed class PackBuilder(int targetSize)
{
    private readonly List<PackEntry> _entries = [];
    private byte[] _buffer = new byte[Math.Min(targetSize + targetSize / 4, targetSize + 8 * 1024 * 1024)];
    private int _length;

    /// <summary>Whether the pack has reached its target size.</summary>
    public bool IsFull => _length >= targetSize;

    /// <summary>Whether no chunk was added.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>Appends a chunk (copying its bytes) and disposes it.</summary>
    public void Add(SealedChunk chunk)
    {
        using (chunk)
        {
            var bytes = chunk.Bytes;
            if (_length + bytes.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes.Length));
            }
            bytes.CopyTo(_buffer.AsSpan(_length));
            _entries.Add(chunk.Entry with { Offset = (uint)_length });
            _length += bytes.Length;
        }
    }

    /// <summary>Appends the header and returns the finished pack; the builder is then empty again.</summary>
    public FinishedPack Finish(SecretBox box)
    {
        var header = PackHeader.Build(_entries, box);
        var bytes = new byte[_length + header.Length];
        _buffer.AsSpan(0, _length).CopyTo(bytes);
        header.CopyTo(bytes.AsSpan(_length));
        var pack = new FinishedPack(Digest.Sha256(bytes), bytes, [.. _entries]);
        _entries.Clear();
        _length = 0;
        return pack;
    }
}
