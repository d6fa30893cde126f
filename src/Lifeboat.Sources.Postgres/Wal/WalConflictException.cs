namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// A WAL file that must not be archived: another file is already archived under its name, or it comes from another
/// cluster than the component's. Nothing was stored.
/// </summary>
public sealed class WalConflictException(string message) : IOException(message);
