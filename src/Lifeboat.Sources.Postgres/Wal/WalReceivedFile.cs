namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>One file <c>wal receive</c> moved from its staging folder into the WAL archive.</summary>
/// <param name="File">The WAL file name.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Stored">True when stored now; false when the archive held the same content already.</param>
/// <param name="PushTime">How long the push took (read, check, seal, durable store).</param>
/// <param name="Lag">From pg_receivewal completing the file (its last write) to the archive holding it durably.</param>
public sealed record WalReceivedFile(string File, long Bytes, bool Stored, TimeSpan PushTime, TimeSpan Lag);
