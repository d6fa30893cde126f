using Lifeboat.Crypto;

namespace Lifeboat.Maintenance;

/// <summary>What copy sent: the new snapshots in the destination, how many were already there, chunks and plaintext bytes sent.</summary>
public sealed record CopyReport(IReadOnlyList<Digest> Copied, int Skipped, long Chunks, long Bytes);
