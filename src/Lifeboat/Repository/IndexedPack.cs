using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>A pack and the chunks it holds, as an index file lists them.</summary>
public sealed record IndexedPack(Digest Pack, IReadOnlyList<PackEntry> Entries);
