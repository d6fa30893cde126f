using System.Globalization;
using System.Text;
using Lifeboat.Restore;
using Lifeboat.Snapshots;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// Restores a <see cref="PostgresDumpSource"/> snapshot. The dump is first restored from the repository to a private
/// temporary file (mode 0600, verified, deleted afterwards) so pg_restore can run parallel jobs, and so damaged
/// repository data is found before any database is touched.
/// <list type="bullet">
/// <item>Default: into a new database created here, then verified (the recorded row counts, the --verify queries). A
/// failed pg_restore or verification drops that database again and throws, naming it.
/// The live database is never touched.</item>
/// <item>Swap: after verification, <see cref="DatabaseSwap"/> renames the live database aside and the restored one into
/// its place.</item>
/// <item>In place: a safety snapshot of the live database is taken first (no snapshot, no restore), then
/// <c>pg_restore --clean --if-exists --single-transaction</c> replaces the dumped objects in one transaction: a
/// failure rolls everything back and the live database is as it was. Objects created after the backup, which the dump
/// does not know, stay.</item>
/// </list>
/// </summary>
public sealed class PostgresLogicalRestore(Repository.Repository repository, Snapshot snapshot, LogicalRestoreOptions options)
{
    private const int MaxIdentifierBytes = 63;

    /// <summary>Runs the restore; throws <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/> saying what state things are in.</summary>
    public async Task<LogicalRestoreResult> RunAsync(CancellationToken cancellationToken)
    {
        var source = snapshot.Source;
        if (source.GetValueOrDefault("kind") != "postgres" || source.GetValueOrDefault("mode") != "logical")
        {
            throw new ArgumentException("the snapshot is not a logical PostgreSQL backup (source mode 'logical')");
        }
        var connection = options.Connection;
        var live = connection.Database ?? source["database"];
        var stamp = options.Clock.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var target = options.InPlace ? live : options.Into ?? $"{live}_restored_{stamp}";
        var before = $"{live}_before_{stamp}";
        CheckOptions(live, target, before);

        var reader = new SnapshotFileReader(repository);
        var dumpNode = await reader.FindAsync(snapshot, source["dump"], cancellationToken);
        var globalsNode = options.Globals
            ? source.GetValueOrDefault("globals") == PostgresDumpSource.GlobalsStream
                ? await reader.FindAsync(snapshot, PostgresDumpSource.GlobalsStream, cancellationToken)
                : throw new ArgumentException("--globals: this snapshot holds no roles and tablespaces (it was taken with --no-globals)")
            : null;
        var adminDatabase = live == "postgres" || target == "postgres" ? "template1" : "postgres";
        await using var admin = await connection.OpenAsync(adminDatabase, cancellationToken);
        try
        {
            var serverMajor = admin.PostgreSqlVersion.Major;
            var dumpMajor = int.Parse(source.GetValueOrDefault("pg_dump_version", "0"), CultureInfo.InvariantCulture);
            var pgRestore = await ClientProgram.FindAsync("pg_restore", Math.Max(serverMajor, dumpMajor), options.PgRestorePath, cancellationToken);
            var liveExists = await DatabaseSwap.ExistsAsync(admin, live, cancellationToken);
            if (options.InPlace && !liveExists)
            {
                throw new ArgumentException($"--in-place: database {live} does not exist on {connection.Host}:{connection.Port}; restore into a new database instead (leave out --in-place)");
            }
            if (!options.InPlace && await DatabaseSwap.ExistsAsync(admin, target, cancellationToken))
            {
                throw new ArgumentException($"database {target} already exists; choose another name with --into");
            }

            var folder = Path.Combine(options.TemporaryDirectory ?? Path.GetTempPath(), "lifeboat-pg-restore-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                var dumpFile = Path.Combine(folder, "database.dump");
                options.Log.WriteLine($"reading {dumpNode.Name} ({dumpNode.Size} bytes) from the repository to a temporary file in {folder}");
                await reader.RestoreToFileAsync(dumpNode, dumpFile, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                if (globalsNode is not null)
                {
                    var globalsFile = Path.Combine(folder, PostgresDumpSource.GlobalsStream);
                    await reader.RestoreToFileAsync(globalsNode, globalsFile, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                    await ApplyGlobalsAsync(globalsFile, adminDatabase, Math.Max(serverMajor, dumpMajor), cancellationToken);
                }
                return options.InPlace
                    ? await InPlaceAsync(pgRestore, dumpFile, live, dumpNode.Size, cancellationToken)
                    : await IntoNewDatabaseAsync(admin, pgRestore, dumpFile, live, target, before, dumpNode.Size, cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (PostgresException e)
        {
            throw connection.Explain(e, "restoring");
        }
    }

    private void CheckOptions(string live, string target, string before)
    {
        if (options.InPlace && (options.Swap || options.Into is not null))
        {
            throw new ArgumentException("--in-place cannot be combined with --swap or --into");
        }
        if (options.TerminateConnections && !options.Swap)
        {
            throw new ArgumentException("--terminate-connections only applies to --swap");
        }
        if (options.Jobs is < 1 or > 64)
        {
            throw new ArgumentException("--jobs must be between 1 and 64");
        }
        if (options.InPlace && options.SafetySnapshot is null)
        {
            throw new ArgumentException("an in-place restore needs a safety snapshot of the live database first");
        }
        if (!options.InPlace && target == live)
        {
            throw new ArgumentException($"--into {target} is the live database; use --in-place to restore into it, or --swap to replace it");
        }
        foreach (var name in options.Swap ? [target, before] : new[] { target })
        {
            if (Encoding.UTF8.GetByteCount(name) > MaxIdentifierBytes)
            {
                throw new ArgumentException($"the database name '{name}' is longer than PostgreSQL's {MaxIdentifierBytes} bytes; choose a shorter one with --into");
            }
        }
    }

    private async Task<LogicalRestoreResult> IntoNewDatabaseAsync(NpgsqlConnection admin, ClientProgram pgRestore, string dumpFile,
        string live, string target, string before, long dumpBytes, CancellationToken cancellationToken)
    {
        var encoding = snapshot.Source.GetValueOrDefault("encoding", "UTF8");
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseSwap.Quote(target)} TEMPLATE template0 ENCODING '{encoding.Replace("'", "")}'", admin))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        options.Log.WriteLine($"created database {target}; pg_restore with {options.Jobs} job(s)");
        try
        {
            // The owner matters beyond the name: in PostgreSQL 15 and later the public schema belongs to the database's owner.
            if (!options.NoOwner && snapshot.Source.TryGetValue("database_owner", out var owner))
            {
                await using var alter = new NpgsqlCommand($"ALTER DATABASE {DatabaseSwap.Quote(target)} OWNER TO {DatabaseSwap.Quote(owner)}", admin);
                try
                {
                    await alter.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"the database's owner {owner} cannot be set: {e.MessageText}; restore the roles with --globals, or leave owners out with --no-owner", e);
                }
            }
            await PgRestoreAsync(pgRestore, dumpFile, target, ["--jobs=" + options.Jobs.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }
        catch
        {
            // Half-restored and not verifiable: not left behind looking like a restore.
            await DropAsync(admin, target);
            throw;
        }
        int tables, queries;
        try
        {
            (tables, queries) = await new RestoreVerifier(options.Connection).VerifyAsync(target, snapshot.Source, options.Verify,
                $"the restored database {target} was dropped again; {live} was not touched", cancellationToken);
        }
        catch
        {
            // A database that failed its verification must not stay behind under a name that says "restored": a
            // later drill, swap or person would take it for a good restore.
            await DropAsync(admin, target);
            throw;
        }
        await using (var size = new NpgsqlCommand("SELECT pg_database_size($1)", admin))
        {
            size.Parameters.AddWithValue(target);
            options.Log.WriteLine($"verified {target}: {tables} table row count(s), {queries} query(ies); {await size.ExecuteScalarAsync(cancellationToken)} bytes (the backed-up database: {snapshot.Source.GetValueOrDefault("database_size", "?")} bytes)");
        }
        if (!options.Swap)
        {
            return new LogicalRestoreResult(target, null, null, tables, queries, dumpBytes);
        }
        var movedAside = await new DatabaseSwap(options.Connection, admin, options.Log).RunAsync(live, target, before, options.TerminateConnections, cancellationToken);
        return new LogicalRestoreResult(live, movedAside, null, tables, queries, dumpBytes);
    }

    private static async Task DropAsync(NpgsqlConnection admin, string database)
    {
        var force = admin.PostgreSqlVersion.Major >= 13 ? " WITH (FORCE)" : "";
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseSwap.Quote(database)}{force}", admin);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task<LogicalRestoreResult> InPlaceAsync(ClientProgram pgRestore, string dumpFile, string live, long dumpBytes, CancellationToken cancellationToken)
    {
        options.Log.WriteLine($"taking a safety snapshot of {live} before restoring in place");
        var safety = await options.SafetySnapshot!(cancellationToken);
        options.Log.WriteLine($"safety snapshot {safety} holds {live} as it was; restoring in place in one transaction");
        try
        {
            await PgRestoreAsync(pgRestore, dumpFile, live, ["--clean", "--if-exists", "--single-transaction"], cancellationToken);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{e.Message}; the transaction was rolled back, {live} is unchanged (safety snapshot {safety})", e);
        }
        var (tables, queries) = await new RestoreVerifier(options.Connection).VerifyAsync(live, snapshot.Source, options.Verify,
            $"{live} was restored in place; the state before is safety snapshot {safety}", cancellationToken);
        options.Log.WriteLine($"verified {live}: {tables} table row count(s), {queries} query(ies)");
        var extra = await TablesNotInDumpAsync(pgRestore, dumpFile, live, cancellationToken);
        if (extra.Count > 0)
        {
            options.Log.WriteLine($"tables not in the backup, left in place: {string.Join(", ", extra)}");
        }
        return new LogicalRestoreResult(live, null, safety, tables, queries, dumpBytes);
    }

    /// <summary>Tables of <paramref name="database"/> the dump's table of contents does not list (created after the backup).</summary>
    private async Task<List<string>> TablesNotInDumpAsync(ClientProgram pgRestore, string dumpFile, string database, CancellationToken cancellationToken)
    {
        string listing;
        await using (var child = ChildProcess.Start(pgRestore.Path, ["--list", dumpFile]))
        {
            listing = await new StreamReader(child.Stdout).ReadToEndAsync(cancellationToken);
            await child.EnsureSuccessAsync(cancellationToken);
        }
        // Entries read "ID; OID OID TABLE schema name owner", names unquoted.
        var dumped = listing.Split('\n').Where(l => !l.StartsWith(';')).Select(l => l.Trim()).ToList();
        var extra = new List<string>();
        await using var session = await options.Connection.OpenAsync(database, cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%' ORDER BY 3
            """, session);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = $" TABLE {reader.GetString(0)} {reader.GetString(1)} ";
            if (!dumped.Any(l => l.Contains(entry, StringComparison.Ordinal)))
            {
                extra.Add(reader.GetString(2));
            }
        }
        return extra;
    }

    private async Task PgRestoreAsync(ClientProgram pgRestore, string dumpFile, string database, IEnumerable<string> mode, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "--dbname=" + PostgresConnection.DatabaseArgument(database), "--exit-on-error", "--no-password",
            .. mode, .. options.NoOwner ? new[] { "--no-owner", "--no-acl" } : [], dumpFile,
        ];
        var environment = new Dictionary<string, string>(options.Connection.Environment(database));
        if (options.InPlace)
        {
            // A client holding a lock on a table would otherwise make the in-place restore wait forever.
            environment["PGOPTIONS"] = "-c lock_timeout=120s";
        }
        await using var child = ChildProcess.Start(pgRestore.Path, arguments, environment, readStdout: false);
        try
        {
            await child.EnsureSuccessAsync(cancellationToken);
        }
        catch (IOException e)
        {
            var hint = e.Message.Contains("role", StringComparison.Ordinal) && e.Message.Contains("does not exist", StringComparison.Ordinal)
                ? " (restore the roles with --globals, or leave owners out with --no-owner)"
                : "";
            throw new IOException($"pg_restore into {database} failed: {e.Message}{hint}", e);
        }
    }

    private async Task ApplyGlobalsAsync(string globalsFile, string adminDatabase, int major, CancellationToken cancellationToken)
    {
        var psql = await ClientProgram.FindAsync("psql", major, null, cancellationToken);
        await using var child = ChildProcess.Start(psql.Path, ["-X", "-q", "-v", "ON_ERROR_STOP=0", "--no-password", "-f", globalsFile,
            "--dbname=" + PostgresConnection.DatabaseArgument(adminDatabase)], options.Connection.Environment(adminDatabase), readStdout: false);
        await child.EnsureSuccessAsync(cancellationToken);
        var errors = child.Stderr.Split('\n').Where(l => l.Contains("ERROR:", StringComparison.Ordinal)).ToList();
        var existing = errors.Count(l => l.Contains("already exists", StringComparison.Ordinal));
        var other = errors.Where(l => !l.Contains("already exists", StringComparison.Ordinal)).ToList();
        if (other.Count > 0)
        {
            throw new InvalidOperationException($"applying the roles and tablespaces failed: {string.Join("; ", other.Select(l => l.Trim()))}; no database was created");
        }
        options.Log.WriteLine($"applied roles and tablespaces{(existing > 0 ? $" ({existing} already existed and were kept, their attributes updated)" : "")}");
    }
}
