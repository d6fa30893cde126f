using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Backup;

/// <summary>The snapshot a backup recorded and the files it had to leave out.</summary>
public sealed record BackupResult(Digest Id, Snapshot Snapshot, IReadOnlyList<string> Errors);
