namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>What a logical restore did.</summary>
/// <param name="Database">The database now holding the restored data (the live name after a swap or in place).</param>
/// <param name="MovedAside">After a swap, the name the previous live database was renamed to (null if there was none).</param>
/// <param name="SafetySnapshot">In place: the ID of the snapshot taken of the state before.</param>
/// <param name="TablesVerified">How many tables' row counts matched the snapshot's.</param>
/// <param name="QueriesVerified">How many --verify queries matched.</param>
/// <param name="DumpBytes">The size of the restored dump.</param>
public sealed record LogicalRestoreResult(string Database, string? MovedAside, string? SafetySnapshot, int TablesVerified, int QueriesVerified, long DumpBytes);
