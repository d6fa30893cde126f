using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>Where to find a chunk: its pack and its entry there.</summary>
public readonly record struct ChunkLocation(Digest Pack, PackEntry Entry);
