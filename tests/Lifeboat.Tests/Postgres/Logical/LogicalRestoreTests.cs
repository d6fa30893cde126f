using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>Restore modes against a real PostgreSQL 15: swap with and without connected clients, verification failures, in place.</summary>
public sealed class LogicalRestoreTests
{
    [Fact]
    public async Task A_swap_refuses_while_a_client_is_connected_renaming_nothing_and_swaps_once_it_is_gone()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 1000);
        var backedUp = await db.FingerprintAsync("shop");
        await db.BackupAsync();
        await db.Server.PsqlAsync("DELETE FROM events WHERE id > 500", "shop");
        var damaged = await db.FingerprintAsync("shop");
        var client = new NpgsqlConnection(db.Server.ConnectionString("shop"));
        await client.OpenAsync();

        var refused = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "shop_new", "--swap");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("1 client(s) are connected to shop", refused.Stderr);
        Assert.Contains("nothing was renamed", refused.Stderr);
        Assert.Contains("--terminate-connections", refused.Stderr);
        Assert.Equal(damaged, await db.FingerprintAsync("shop"));
        Assert.Equal(backedUp, await db.FingerprintAsync("shop_new"));
        Assert.Equal(["postgres", "shop", "shop_new"], await db.DatabasesAsync());
        await using (var stillThere = new NpgsqlCommand("SELECT 1", client))
        {
            Assert.Equal(1, await stillThere.ExecuteScalarAsync());
        }

        await client.DisposeAsync();
        var swapped = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "shop_new2", "--swap");

        Assert.True(swapped.ExitCode == 0, swapped.Stderr);
        Assert.Equal(backedUp, await db.FingerprintAsync("shop"));
        var aside = (await db.DatabasesAsync()).Single(n => n.StartsWith("shop_before_", StringComparison.Ordinal));
        Assert.Equal(damaged, await db.FingerprintAsync(aside));
        Assert.Contains($"the previous shop is now {aside}", swapped.Stdout);
        Assert.DoesNotContain("shop_new2", await db.DatabasesAsync());
    }

    [Fact]
    public async Task A_swap_told_to_terminate_connections_disconnects_the_clients_and_swaps()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 1000);
        var backedUp = await db.FingerprintAsync("shop");
        await db.BackupAsync();
        await db.Server.PsqlAsync("UPDATE customers SET name = 'overwritten'", "shop");
        await using var client = new NpgsqlConnection(db.Server.ConnectionString("shop"));
        await client.OpenAsync();

        var swapped = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--swap", "--terminate-connections");

        Assert.True(swapped.ExitCode == 0, swapped.Stderr);
        Assert.Contains("terminated 1 connection(s) to shop", swapped.Stderr);
        Assert.Equal(backedUp, await db.FingerprintAsync("shop"));
        var aside = (await db.DatabasesAsync()).Single(n => n.StartsWith("shop_before_", StringComparison.Ordinal));
        Assert.Equal("overwritten", await db.Server.PsqlAsync("SELECT DISTINCT name FROM customers", aside));
        // Both accept connections again.
        Assert.Equal("t\nt", await db.Server.PsqlAsync($"SELECT datallowconn FROM pg_database WHERE datname IN ('shop', '{aside}')"));
        await using var dead = new NpgsqlCommand("SELECT 1", client);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => dead.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_failed_verification_exits_1_drops_the_restored_database_and_never_touches_the_live_one()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 1000);
        await db.BackupAsync();
        await db.Server.PsqlAsync("INSERT INTO \"Odd Name\" VALUES (99, 'after the backup')", "shop");
        var live = await db.FingerprintAsync("shop");

        var mismatch = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "shop_check", "--swap",
            "--verify", "SELECT count(*) FROM customers=2000", "--verify", "SELECT count(*) FROM \"Odd Name\"=4", "--verify", "SELECT 1 FROM no_such_table=1", "--verify", "SELECT id, 1 FROM customers WHERE id < 3=1");

        Assert.Equal(1, mismatch.ExitCode);
        Assert.Contains("the restored database shop_check was dropped again; shop was not touched", mismatch.Stderr);
        Assert.Contains("returned '3', expected '4'", mismatch.Stderr);
        Assert.Contains("relation \"no_such_table\" does not exist", mismatch.Stderr);
        Assert.Contains("returned more than one row of 2 column(s); a verification query must return one value", mismatch.Stderr);
        Assert.DoesNotContain("query 'SELECT count(*) FROM customers'", mismatch.Stderr);
        Assert.Equal(live, await db.FingerprintAsync("shop"));
        Assert.Equal(["postgres", "shop"], await db.DatabasesAsync());

        // The default name too: no *_restored_* database is left behind by a verification that fails.
        var defaultName = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--verify", "SELECT count(*) > 0 FROM customers=f");
        Assert.Equal(1, defaultName.ExitCode);
        Assert.Contains("returned 't', expected 'f'", defaultName.Stderr);
        Assert.Equal(["postgres", "shop"], await db.DatabasesAsync());
    }

    [Fact]
    public async Task Verification_queries_compare_every_type_as_psql_prints_it()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 100);
        await db.BackupAsync();
        string[] queries =
        [
            "SELECT count(*) > 0 FROM customers", "SELECT bool_and(id < 0) FROM customers", "SELECT balance FROM customers WHERE id = 3",
            "SELECT created FROM customers WHERE id = 3", "SELECT at FROM events WHERE id = 7", "SELECT payload FROM events WHERE id = 7",
            "SELECT sum(amount) FROM events", "SELECT 1.50::float8", "SELECT active FROM customers WHERE id = 3", "SELECT avatar FROM customers WHERE id = 3", "SELECT ARRAY[true, false]", "SELECT '1 day 2 hours'::interval",
        ];
        // What psql itself prints for each query is the expected text; the booleans are also spelled out as the docs show them.
        var expected = new List<string>();
        foreach (var query in queries)
        {
            expected.Add(await db.Server.PsqlAsync(query, "shop"));
        }
        Assert.Equal("t", expected[0]);
        Assert.Equal("f", expected[1]);
        Assert.Equal("t", expected[8]);
        Assert.Equal("{t,f}", expected[10]);
        string[] verify =
        [
            .. queries.Zip(expected).SelectMany(p => new[] { "--verify", $"{p.First}={p.Second}" }),
            "--verify", "SELECT \"Value\" FROM \"Odd Name\" WHERE id = 2=NULL",
        ];

        var restored = await db.RunAsync(["restore", "postgres", "latest", "--connection", db.Url, "--into", "shop_typed", .. verify]);

        Assert.True(restored.ExitCode == 0, restored.Stderr);
        Assert.Contains("shop_typed", await db.DatabasesAsync());
    }

    [Fact]
    public async Task An_in_place_restore_takes_a_safety_snapshot_of_the_current_state_first()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 5000);
        var backedUp = await db.FingerprintAsync("shop");
        await db.BackupAsync();
        await db.Server.PsqlAsync("DELETE FROM events WHERE id % 2 = 0; UPDATE customers SET email = 'gone'; SELECT nextval('invoice_no'); CREATE TABLE \"Added Later\" (id int)", "shop");
        var corrupted = await db.FingerprintAsync("shop");

        var inPlace = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--in-place");

        Assert.True(inPlace.ExitCode == 0, inPlace.Stderr);
        Assert.Equal(backedUp, await db.FingerprintAsync("shop"));
        Assert.Equal(["postgres", "shop"], await db.DatabasesAsync());
        Assert.Contains("tables not in the backup, left in place: public.\"Added Later\"", inPlace.Stderr);
        var safetyId = System.Text.RegularExpressions.Regex.Match(inPlace.Stdout, "safety snapshot ([0-9a-f]{64})").Groups[1].Value;
        Assert.NotEmpty(safetyId);
        var list = await db.RunAsync("--json", "snapshots");
        Assert.Contains("before-restore", list.Stdout);
        // The safety snapshot holds the state that was replaced.
        var back = await db.RunAsync("restore", "postgres", safetyId[..12], "--connection", db.Url, "--into", "shop_corrupted");
        Assert.True(back.ExitCode == 0, back.Stderr);
        Assert.Equal(corrupted, await db.FingerprintAsync("shop_corrupted"));
    }

    [Fact]
    public async Task An_in_place_restore_whose_safety_snapshot_fails_changes_nothing()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 1000);
        await db.BackupAsync();
        await db.Server.PsqlAsync("DELETE FROM events", "shop");
        var live = await db.FingerprintAsync("shop");
        var repository = await Lifeboat.Repository.Repository.OpenAsync(new Lifeboat.Storage.LocalBlobStore(db.Temp["repo"]), "pw", CancellationToken.None);
        await repository.LoadIndexAsync(CancellationToken.None);
        var snapshot = (await repository.LoadSnapshotsAsync(CancellationToken.None)).Single().Snapshot;
        var restore = new PostgresLogicalRestore(repository, snapshot, new LogicalRestoreOptions
        {
            Connection = PostgresConnection.Parse(db.Url, WritePasswordFile(db)),
            InPlace = true,
            SafetySnapshot = _ => throw new IOException("the repository disk is full"),
        });

        var failure = await Assert.ThrowsAsync<IOException>(() => restore.RunAsync(CancellationToken.None));

        Assert.Equal("the repository disk is full", failure.Message);
        Assert.Equal(live, await db.FingerprintAsync("shop"));
    }

    [Fact]
    public async Task A_swap_whose_second_rename_fails_renames_nothing()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 100);
        await db.Server.PsqlAsync("CREATE DATABASE shop_restored");
        var connection = PostgresConnection.Parse(db.Url, WritePasswordFile(db));
        await using var admin = await connection.OpenAsync("postgres", CancellationToken.None);
        // A client of the restored database makes the second rename fail after the first one succeeded.
        await using var blocker = new NpgsqlConnection(db.Server.ConnectionString("shop_restored"));
        await blocker.OpenAsync();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new DatabaseSwap(connection, admin, TextWriter.Null).RunAsync("shop", "shop_restored", "shop_before_1", terminate: true, CancellationToken.None));

        Assert.Contains("nothing was renamed", failure.Message);
        Assert.Contains("is being accessed by other users", failure.Message);
        Assert.Equal(["postgres", "shop", "shop_restored"], await db.DatabasesAsync());
        Assert.Equal("t", await db.Server.PsqlAsync("SELECT bool_and(datallowconn) FROM pg_database WHERE datname IN ('shop', 'shop_restored')"));
    }

    [Fact]
    public async Task Verification_reports_a_table_whose_row_count_differs_from_the_backup()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 1000);
        var backup = await db.BackupAsync();
        var restore = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "copy");
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        await db.Server.PsqlAsync("DELETE FROM events WHERE id = 7; DROP TABLE \"Odd Name\"", "copy");
        var source = backup.GetProperty("source").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => new RestoreVerifier(PostgresConnection.Parse(db.Url, WritePasswordFile(db)))
            .VerifyAsync("copy", source, [VerifyQuery.Parse("SELECT count(*) FROM customers = 2000")], "kept", CancellationToken.None));

        Assert.Equal("kept: verification failed: table public.\"Odd Name\": relation \"public.Odd Name\" does not exist; table public.events holds 999 rows, the backup 1000", failure.Message);
    }

    private static string WritePasswordFile(SampleDatabase db)
    {
        File.WriteAllText(db.Temp["pgpass"], PostgresServer.Password + "\n");
        return db.Temp["pgpass"];
    }
}
