using Npgsql;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// Puts a restored database in the live one's place: the live database is renamed to <c>LIVE_before_TIME</c> and the
/// restored one to LIVE, both renames in one transaction, so either both happen or neither (PostgreSQL's catalog
/// changes are transactional). It refuses while clients are connected to the live database, unless told to
/// terminate them; then new connections are refused first (ALLOW_CONNECTIONS false) so pooled clients cannot race
/// back in, and allowed again on both databases afterwards, whatever happens.
/// </summary>
public sealed class DatabaseSwap(PostgresConnection connection, NpgsqlConnection admin, TextWriter log)
{
    /// <summary>
    /// Swaps; returns the name the live database was moved to, or null when there was no live database (the restored
    /// one then just takes the name). Throws <see cref="InvalidOperationException"/> with nothing renamed.
    /// </summary>
    public async Task<string?> RunAsync(string live, string restored, string before, bool terminate, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(admin, live, cancellationToken))
        {
            await ExecuteAsync($"ALTER DATABASE {Quote(restored)} RENAME TO {Quote(live)}", cancellationToken);
            log.WriteLine($"no database {live} existed; {restored} renamed to {live}");
            return null;
        }
        var clients = await ClientsAsync(live, cancellationToken);
        if (clients.Count > 0 && !terminate)
        {
            throw new InvalidOperationException($"{clients.Count} client(s) are connected to {live} ({clients.Who}); nothing was renamed. " +
                $"The verified restore is in database {restored}. Stop the clients and run the swap again, or pass --terminate-connections");
        }
        if (terminate)
        {
            await ExecuteAsync($"ALTER DATABASE {Quote(live)} ALLOW_CONNECTIONS false", cancellationToken);
        }
        try
        {
            if (terminate)
            {
                await TerminateAsync(live, cancellationToken);
            }
            await using var transaction = await admin.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync($"ALTER DATABASE {Quote(live)} RENAME TO {Quote(before)}", cancellationToken);
            await ExecuteAsync($"ALTER DATABASE {Quote(restored)} RENAME TO {Quote(live)}", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException($"the swap failed and nothing was renamed: {e.MessageText}; the verified restore is in database {restored}", e);
        }
        finally
        {
            if (terminate)
            {
                // Whichever name the old live database now has, it accepts connections again.
                var name = await ExistsAsync(admin, before, CancellationToken.None) ? before : live;
                await ExecuteAsync($"ALTER DATABASE {Quote(name)} ALLOW_CONNECTIONS true", CancellationToken.None);
            }
        }
        log.WriteLine($"swapped: {live} renamed to {before}, {restored} renamed to {live}");
        return before;
    }

    /// <summary>Whether database <paramref name="name"/> exists.</summary>
    public static async Task<bool> ExistsAsync(NpgsqlConnection admin, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", admin);
        command.Parameters.AddWithValue(name);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    /// <summary>An identifier quoted for SQL.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private async Task<(int Count, string Who)> ClientsAsync(string database, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*)::int, coalesce(string_agg(DISTINCT coalesce(usename, '?') || '@' || coalesce(client_addr::text, 'local') || ' ' || coalesce(nullif(application_name, ''), '-'), ', '), '')
            FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """, admin);
        command.Parameters.AddWithValue(database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetString(1));
    }

    private async Task TerminateAsync(string database, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var command = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'", admin))
            {
                command.Parameters.AddWithValue(database);
                var terminated = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                if (terminated == 0)
                {
                    return;
                }
                log.WriteLine($"terminated {terminated} connection(s) to {database}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"clients of {database} were still connected 30 s after being terminated; nothing was renamed");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, admin);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (!sql.Contains(" RENAME TO ", StringComparison.Ordinal))
        {
            throw connection.Explain(e, sql);
        }
    }
}
