using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>A complete pack: its name (SHA-256 of its bytes), the buffer holding its bytes, and its entries.</summary>
public sealed record FinishedPack(Digest Name, byte[] Buffer, int Length, IReadOnlyList<PackEntry> Entries)
{
    /// <summary>The pack's bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => Buffer.AsMemory(0, Length);
}
