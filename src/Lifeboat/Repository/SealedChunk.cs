using System.Buffers;

namespace Lifeboat.Repository;

/// <summary>
/// A chunk compressed, encrypted and verified, ready for a pack. Owns a pooled buffer: the pack builder copies it
/// and calls <see cref="Dispose"/>.
/// </summary>
public sealed class SealedChunk(PackEntry entry, byte[] buffer) : IDisposable
{
    private byte[]? _buffer = buffer;

    /// <summary>The entry (offset not yet assigned).</summary>
    public PackEntry Entry { get; } = entry;

    /// <summary>The sealed bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, (int)Entry.StoredLength);

    /// <summary>The sealed bytes, for asynchronous writes (valid until disposal).</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, (int)Entry.StoredLength);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ChunkBuffers.Return(buffer);
        }
    }
}
