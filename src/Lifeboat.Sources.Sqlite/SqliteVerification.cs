namespace Lifeboat.Sources.Sqlite;

/// <summary>What a passed verification checked: integrity, how many tables' row counts, how many queries.</summary>
public sealed record SqliteVerification(int TablesCompared, int QueriesPassed);
