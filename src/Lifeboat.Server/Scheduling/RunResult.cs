namespace Lifeboat.Server.Scheduling;

/// <summary>What a successful run of a component reports.</summary>
/// <param name="BytesRead">Bytes the source produced.</param>
/// <param name="BytesStored">Bytes added to the repository (after deduplication and compression).</param>
/// <param name="Size">The size of what the snapshot holds (every file or stream, read or not).</param>
/// <param name="Snapshots">Snapshots of the component in the repository after the run (retention applied), or null when unknown.</param>
/// <param name="SnapshotId">The snapshot written, or null.</param>
public sealed record RunResult(long BytesRead, long BytesStored, long Size, int? Snapshots, string? SnapshotId);
