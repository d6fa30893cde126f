namespace Lifeboat.Sources.Sqlite;

/// <summary>A restored (or backed-up) SQLite database failed verification: integrity check, row counts or a query.</summary>
public sealed class SqliteVerificationException(string message) : IOException(message);
