namespace Lifeboat.Sources.Sqlite;

/// <summary>Where a SQLite restore went, where the replaced file was kept (null if none), its size and what was verified.</summary>
public sealed record SqliteRestoreResult(string Path, string? KeptAside, long Bytes, SqliteVerification Verification);
