using Lifeboat.Repository;

namespace Lifeboat.Backup;

/// <summary>One chunk of a file on its way from the reader to a worker; owns a pooled buffer.</summary>
internal readonly record struct ChunkJob(PendingFile File, int Index, byte[] Buffer, int Length)
{
    public Span<byte> Data => Buffer.AsSpan(0, Length);

    public void Release() => ChunkBuffers.Return(Buffer);
}
