namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>One archived WAL file that expiry deletes, its stored size, its archive time (when read) and why it may go.</summary>
public sealed record ExpiredWalFile(string File, long StoredBytes, DateTimeOffset? Archived, string Reason);
