using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>A complete pack: its name (SHA-256 of its bytes), its bytes and its entries.</summary>
public sealed record FinishedPack(Digest Name, byte[] Bytes, IReadOnlyList<PackEntry> Entries);
