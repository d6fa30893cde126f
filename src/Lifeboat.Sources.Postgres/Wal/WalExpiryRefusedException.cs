namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// <c>wal expire</c> refused to delete anything because the archive or the snapshots are in a state it cannot reason
/// about (a gap after the oldest kept base backup's start, an unrestorable or unreadable backup); the message says why
/// and what to do. Nothing was deleted.
/// </summary>
public sealed class WalExpiryRefusedException(string message) : InvalidOperationException(message);
