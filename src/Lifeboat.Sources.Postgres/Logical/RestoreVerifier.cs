using System.Globalization;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// Checks a restored database against its snapshot: every recorded row count must match exactly, and every
/// verification query must return one row of one column whose text, as psql prints it (the type's output function:
/// booleans t/f, timestamps in the session's DateStyle; NULL as <c>NULL</c>), equals the expected value. The
/// queries run in a read-only transaction, so verification cannot change what it checks.
/// </summary>
public sealed class RestoreVerifier(PostgresConnection connection)
{
    /// <summary>
    /// Verifies <paramref name="database"/>; returns (tables, queries) checked, or throws
    /// <see cref="InvalidOperationException"/> listing every mismatch, prefixed with <paramref name="onFailure"/>.
    /// </summary>
    public async Task<(int Tables, int Queries)> VerifyAsync(string database, IReadOnlyDictionary<string, string> source,
        IReadOnlyList<VerifyQuery> queries, string onFailure, CancellationToken cancellationToken)
    {
        var mismatches = new List<string>();
        var tables = 0;
        await using (var session = await connection.OpenAsync(database, cancellationToken))
        {
            await using var transaction = await session.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", session))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var (key, value) in source.Where(p => p.Key.StartsWith(PostgresDumpSource.RowsPrefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var table = key[PostgresDumpSource.RowsPrefix.Length..];
                var expected = long.Parse(value, CultureInfo.InvariantCulture);
                var actual = await TryAsync(session, () => PostgresDumpSource.CountRowsAsync(session, table, cancellationToken), cancellationToken);
                tables++;
                if (actual.Error is not null)
                {
                    mismatches.Add($"table {table}: {actual.Error}");
                }
                else if (actual.Value != expected)
                {
                    mismatches.Add($"table {table} holds {actual.Value} rows, the backup {expected}");
                }
            }
            foreach (var query in queries)
            {
                var actual = await TryAsync(session, () => SingleValueAsync(session, query.Sql, cancellationToken), cancellationToken);
                if (actual.Error is not null)
                {
                    mismatches.Add($"query '{query.Sql}': {actual.Error}");
                }
                else if (actual.Value.Shape is not null)
                {
                    mismatches.Add($"query '{query.Sql}' {actual.Value.Shape}; a verification query must return one value");
                }
                else if (actual.Value.Text != query.Expected)
                {
                    mismatches.Add($"query '{query.Sql}' returned '{actual.Value.Text}', expected '{query.Expected}'");
                }
            }
        }
        return mismatches.Count == 0
            ? (tables, queries.Count)
            : throw new InvalidOperationException($"{onFailure}: verification failed: {string.Join("; ", mismatches)}");
    }

    private static async Task<(T? Value, string? Error)> TryAsync<T>(NpgsqlConnection session, Func<Task<T>> check, CancellationToken cancellationToken)
    {
        // A savepoint per check, so one failing query (a missing table) is reported and the others still run.
        await using (var savepoint = new NpgsqlCommand("SAVEPOINT lifeboat_check", session))
        {
            await savepoint.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var value = await check();
            return (value, null);
        }
        catch (PostgresException e)
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT lifeboat_check", session);
            await rollback.ExecuteNonQueryAsync(cancellationToken);
            return (default, e.MessageText);
        }
    }

    /// <summary>The query's single value as text, or what is wrong with the shape of its result.</summary>
    private static async Task<(string? Text, string? Shape)> SingleValueAsync(NpgsqlConnection session, string sql, CancellationToken cancellationToken)
    {
        await using (var shape = new NpgsqlCommand($"SELECT * FROM ({sql}) AS lifeboat_q LIMIT 2", session))
        await using (var reader = await shape.ExecuteReaderAsync(cancellationToken))
        {
            var rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
            }
            if (reader.FieldCount != 1 || rows != 1)
            {
                return (null, $"returned {(rows > 1 ? "more than one row" : rows + " rows")} of {reader.FieldCount} column(s)");
            }
        }
        // The type's output function, as psql prints it (booleans t/f): a cast to text differs for some types (a
        // boolean casts to 'true'), so the value is asked for in PostgreSQL's text format instead.
        await using var text = new NpgsqlCommand($"SELECT * FROM ({sql}) AS lifeboat_q", session) { AllResultTypesAreUnknown = true };
        return (await text.ExecuteScalarAsync(cancellationToken) is string value ? value : "NULL", null);
    }
}
