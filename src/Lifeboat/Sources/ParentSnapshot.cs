using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources;

/// <summary>An earlier snapshot of the same source, and a reader for its files (index loaded, content verified).</summary>
public sealed record ParentSnapshot(Digest Id, Snapshot Snapshot, SnapshotFileReader Files);
