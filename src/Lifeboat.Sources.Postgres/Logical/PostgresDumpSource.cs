using System.Data;
using System.Globalization;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// A logical backup of one PostgreSQL database: a REPEATABLE READ transaction exports its snapshot, the facts a
/// restore verifies against (server version, database size, encoding, exact row counts of the largest tables) are read
/// in that snapshot, and <c>pg_dump --snapshot</c> dumps exactly that state, uncompressed custom format (so unchanged
/// data deduplicates from day to day; Lifeboat compresses), streamed from its stdout into the repository as
/// <c>DB.dump</c>. Roles and tablespaces go into <c>globals.sql</c> (pg_dumpall --globals-only; without role passwords
/// when the login is not a superuser, since only superusers can read them). The exporting transaction stays open until
/// pg_dump has finished. Any failure, a non-zero exit or a stream that is not a complete archive, throws: no snapshot.
/// </summary>
public sealed class PostgresDumpSource(PostgresDumpOptions options) : ISource
{
    /// <summary>The stream name of the roles and tablespaces.</summary>
    public const string GlobalsStream = "globals.sql";
    /// <summary>Metadata keys holding a table's exact row count start with this, followed by its quoted schema-qualified name.</summary>
    public const string RowsPrefix = "rows:";

    /// <inheritdoc/>
    public string Kind => "postgres";

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => [options.Connection.Display];

    /// <summary>The stream name of a database's dump: its name with '/' made harmless, then ".dump".</summary>
    public static string DumpStreamName(string database) => database.Replace('/', '_').Replace('\0', '_') + ".dump";

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        var connection = options.Connection;
        if (connection.Database is null)
        {
            throw new ArgumentException($"--connection names no database ({connection.Display}); add it, e.g. postgresql://user@host:5432/mydb");
        }
        await using var session = await connection.OpenAsync(null, cancellationToken);
        try
        {
            return await DumpAsync(session, sink, cancellationToken);
        }
        catch (PostgresException e)
        {
            throw connection.Explain(e, $"reading {connection.Database}");
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> DumpAsync(NpgsqlConnection session, StreamSink sink, CancellationToken cancellationToken)
    {
        var database = options.Connection.Database!;
        await using var transaction = await session.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // The snapshot must outlive a long dump: no idle or statement timeout may end this transaction meanwhile.
        await ExecuteAsync(session, "SET TRANSACTION READ ONLY; SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL statement_timeout = 0", cancellationToken);
        var metadata = new Dictionary<string, string> { ["mode"] = "logical", ["database"] = database };
        string snapshotId;
        int serverMajor;
        bool superuser;
        await using (var facts = new NpgsqlCommand(
            """
            SELECT pg_export_snapshot(), current_setting('server_version_num')::int, current_setting('server_version'),
                   pg_database_size(current_database()), pg_encoding_to_char(d.encoding),
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), pg_get_userbyid(d.datdba)
            FROM pg_database d WHERE d.datname = current_database()
            """, session))
        await using (var reader = await facts.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            snapshotId = reader.GetString(0);
            var versionNumber = reader.GetInt32(1);
            serverMajor = versionNumber / 10000;
            metadata["server_version_num"] = versionNumber.ToString(CultureInfo.InvariantCulture);
            metadata["server_version"] = reader.GetString(2);
            metadata["database_size"] = reader.GetInt64(3).ToString(CultureInfo.InvariantCulture);
            metadata["encoding"] = reader.GetString(4);
            superuser = reader.GetBoolean(5);
            metadata["database_owner"] = reader.GetString(6);
        }
        foreach (var (table, rows) in await CountLargestTablesAsync(session, cancellationToken))
        {
            metadata[RowsPrefix + table] = rows.ToString(CultureInfo.InvariantCulture);
        }

        var pgDump = await ClientProgram.FindAsync("pg_dump", serverMajor, options.PgDumpPath, cancellationToken);
        metadata["pg_dump_version"] = pgDump.Major.ToString(CultureInfo.InvariantCulture);
        var name = DumpStreamName(database);
        metadata["dump"] = name;
        metadata["dump_bytes"] = (await StreamDumpAsync(pgDump, snapshotId, name, sink, cancellationToken)).ToString(CultureInfo.InvariantCulture);
        // Only now may the exported snapshot go: pg_dump has finished reading in it.
        await transaction.CommitAsync(cancellationToken);

        if (options.Globals)
        {
            var pgDumpAll = await ClientProgram.FindAsync("pg_dumpall", serverMajor, options.PgDumpAllPath, cancellationToken);
            string[] arguments = superuser
                ? ["--globals-only", "--no-password", "-l", database]
                : ["--globals-only", "--no-role-passwords", "--no-password", "-l", database];
            await using var child = ChildProcess.Start(pgDumpAll.Path, arguments, options.Connection.Environment(database));
            var stored = await sink.AddAsync(GlobalsStream, child.Stdout, cancellationToken);
            await EnsureSuccessAsync(child, "pg_dumpall --globals-only", cancellationToken);
            metadata["globals"] = GlobalsStream;
            metadata["globals_role_passwords"] = superuser ? "included" : "omitted (not a superuser)";
            metadata["globals_bytes"] = stored.Size.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            metadata["globals"] = "none";
        }
        return metadata;
    }

    private async Task<long> StreamDumpAsync(ClientProgram pgDump, string snapshotId, string name, StreamSink sink, CancellationToken cancellationToken)
    {
        var database = options.Connection.Database!;
        var lockWait = ((long)options.LockWaitTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        await using var child = ChildProcess.Start(pgDump.Path,
            ["--snapshot=" + snapshotId, "--format=custom", "--compress=0", "--no-password", "--lock-wait-timeout=" + lockWait,
             "--dbname=" + PostgresConnection.DatabaseArgument(database)],
            options.Connection.Environment(database));
        await using var output = new DumpStream(child.Stdout, child.Id, options.StallLimit);
        await sink.AddAsync(name, output, cancellationToken);
        if (output.Stalled)
        {
            throw new IOException($"pg_dump wrote nothing for {options.StallLimit.TotalMinutes:0.#} minutes and was stopped; no snapshot was recorded (is a lock held on a table, or the network down?)");
        }
        await EnsureSuccessAsync(child, "pg_dump", cancellationToken);
        if (!output.HasArchiveMagic)
        {
            throw new IOException($"pg_dump exited with code 0 but its output ({output.BytesRead} bytes) is not a custom-format archive; no snapshot was recorded");
        }
        return output.BytesRead;
    }

    private static async Task EnsureSuccessAsync(ChildProcess child, string what, CancellationToken cancellationToken)
    {
        try
        {
            await child.EnsureSuccessAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new IOException($"{what} failed, so no snapshot was recorded: {e.Message}", e);
        }
    }

    private async Task<List<(string Table, long Rows)>> CountLargestTablesAsync(NpgsqlConnection session, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        // Ordinary tables pg_dump dumps the rows of: not system, temporary or extension-owned ones.
        await using (var largest = new NpgsqlCommand(
            """
            SELECT format('%I.%I', n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND c.relpersistence <> 't'
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY pg_total_relation_size(c.oid) DESC, 1
            LIMIT $1
            """, session))
        {
            largest.Parameters.AddWithValue(options.CountedTables);
            await using var reader = await largest.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new List<(string, long)>();
        foreach (var table in tables)
        {
            counts.Add((table, await CountRowsAsync(session, table, cancellationToken)));
        }
        return counts;
    }

    /// <summary>The exact number of rows in <paramref name="table"/> (quoted, schema-qualified) itself, not its children.</summary>
    public static async Task<long> CountRowsAsync(NpgsqlConnection session, string table, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM ONLY {table}", session);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection session, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, session);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
