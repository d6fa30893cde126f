using Microsoft.Data.Sqlite;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// Checks a SQLite database copy: <c>PRAGMA integrity_check</c> must answer "ok", the row counts a backup recorded
/// (<see cref="RowCountPrefix"/> keys) must match, and each <see cref="SqliteVerifyQuery"/> must return its expected
/// value. Queries run on a query-only connection, so a verification cannot change what it verifies.
/// </summary>
public static class SqliteVerifier
{
    /// <summary>Prefix of the snapshot metadata keys that record a table's row count: <c>rows.TABLE</c>.</summary>
    public const string RowCountPrefix = "rows.";

    /// <summary>
    /// Runs every check on <paramref name="database"/>; throws <see cref="SqliteVerificationException"/> naming the
    /// first check that failed, or <see cref="IOException"/> when the database cannot be read at all.
    /// </summary>
    public static SqliteVerification Verify(SqliteDatabaseFile database, IReadOnlyDictionary<string, string> recorded,
        IReadOnlyList<SqliteVerifyQuery> queries, TimeSpan busyTimeout)
    {
        using var connection = database.Open(SqliteOpenMode.ReadWrite, busyTimeout, queryOnly: true);
        try
        {
            CheckIntegrity(connection, database.Path);
            var expected = recorded.Where(e => e.Key.StartsWith(RowCountPrefix, StringComparison.Ordinal)).ToList();
            if (expected.Count > 0)
            {
                var counts = CountRows(connection);
                foreach (var (key, value) in expected)
                {
                    var table = key[RowCountPrefix.Length..];
                    if (!counts.TryGetValue(table, out var actual))
                    {
                        throw new SqliteVerificationException($"{database.Path} has no table '{table}', which the backup recorded with {value} rows");
                    }
                    if (actual.ToString(System.Globalization.CultureInfo.InvariantCulture) != value)
                    {
                        throw new SqliteVerificationException($"table '{table}' of {database.Path} has {actual} rows; the backup recorded {value}");
                    }
                }
            }
            foreach (var query in queries)
            {
                string? actual;
                try
                {
                    actual = SqliteDatabaseFile.Scalar(connection, query.Sql);
                }
                catch (SqliteException e)
                {
                    throw new SqliteVerificationException($"verify query '{query.Sql}' failed on {database.Path}: {e.Message}");
                }
                if (!string.Equals(actual ?? "NULL", query.Expected, StringComparison.Ordinal))
                {
                    throw new SqliteVerificationException($"verify query '{query.Sql}' returned '{actual ?? "NULL"}', expected '{query.Expected}'");
                }
            }
            return new SqliteVerification(expected.Count, queries.Count);
        }
        catch (SqliteException e)
        {
            throw database.Explain(e, "verify");
        }
    }

    /// <summary>Runs <c>PRAGMA integrity_check</c>; throws <see cref="SqliteVerificationException"/> with its first findings unless it answers "ok".</summary>
    public static void CheckIntegrity(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check(20)";
        var findings = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                findings.Add(reader.GetString(0));
            }
        }
        if (findings is not ["ok"])
        {
            throw new SqliteVerificationException($"PRAGMA integrity_check on {path} did not answer 'ok': {string.Join("; ", findings)}");
        }
    }

    /// <summary>The row count of every ordinary table (not SQLite's own, not virtual tables, whose module may be missing).</summary>
    public static Dictionary<string, long> CountRows(SqliteConnection connection)
    {
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            counts[table] = (long)count.ExecuteScalar()!;
        }
        return counts;
    }
}
