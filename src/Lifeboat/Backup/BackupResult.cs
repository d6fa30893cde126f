using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>The snapshot a backup recorded, the files it had to leave out, and warnings that changed nothing.</summary>
public sealed record BackupResult(Digest Id, Snapshot Snapshot, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);
