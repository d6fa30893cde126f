using System.Diagnostics;
using Xunit.Abstractions;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>Logical backups through the real CLI against a real PostgreSQL 15, compared row for row.</summary>
public sealed class LogicalRoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_database_round_trips_row_for_row_into_a_new_database_and_a_second_backup_stores_little()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 100_000);
        var original = await db.FingerprintAsync("shop");

        var stopwatch = Stopwatch.StartNew();
        var first = await db.BackupAsync("--component", "shop-db");
        var firstSeconds = stopwatch.Elapsed.TotalSeconds;
        var source = first.GetProperty("source");
        var dumpBytes = long.Parse(source.GetProperty("dump_bytes").GetString()!);
        Assert.Equal("logical", source.GetProperty("mode").GetString());
        Assert.Equal("shop.dump", source.GetProperty("dump").GetString());
        Assert.StartsWith("15", source.GetProperty("server_version_num").GetString());
        Assert.Equal("UTF8", source.GetProperty("encoding").GetString());
        Assert.Equal("100000", source.GetProperty("rows:public.events").GetString());
        Assert.Equal("2000", source.GetProperty("rows:public.customers").GetString());
        Assert.Equal("3", source.GetProperty("rows:public.\"Odd Name\"").GetString());
        Assert.Equal("included", source.GetProperty("globals_role_passwords").GetString());
        Assert.True(long.Parse(source.GetProperty("database_size").GetString()!) > dumpBytes / 2);

        // A day later: a handful of rows changed.
        await db.Server.PsqlAsync("UPDATE events SET kind = 'changed' WHERE id IN (5, 50000, 99999); INSERT INTO \"Odd Name\" VALUES (4, 'new')", "shop");
        stopwatch.Restart();
        var second = await db.BackupAsync("--component", "shop-db");
        var secondSeconds = stopwatch.Elapsed.TotalSeconds;
        var newBytes = second.GetProperty("summary").GetProperty("newBytes").GetInt64();
        output.WriteLine($"dump {dumpBytes} bytes; first backup {firstSeconds:0.00} s; second backup {secondSeconds:0.00} s, {newBytes} new bytes ({100.0 * newBytes / dumpBytes:0.0}% of the dump)");
        // Each changed spot costs the one or two chunks around it (512 KiB average, up to 2 MiB), and an updated row also
        // moves to the end of its table: four spots in a 10 MB dump measured 14-30% new. Without deduplication it is 100%.
        Assert.True(newBytes < dumpBytes / 2, $"the second backup stored {newBytes} new bytes of a {dumpBytes}-byte dump");

        Assert.DoesNotContain(PostgresServer.Password, first.ToString() + second.ToString());
        var changed = await db.FingerprintAsync("shop");
        var restore = await db.RunAsync("restore", "postgres", first.GetProperty("snapshot").GetString()!, "--connection", db.Url, "--into", "shop_copy", "--jobs", "2");
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Contains("verified 3 row count(s)", restore.Stdout);
        Assert.Equal(original, await db.FingerprintAsync("shop_copy"));
        Assert.Equal(changed, await db.FingerprintAsync("shop"));

        var latest = await db.RunAsync("restore", "postgres", "latest", "--component", "shop-db", "--connection", db.Url, "--verify", "SELECT kind FROM events WHERE id = 50000=changed");
        Assert.True(latest.ExitCode == 0, latest.Stderr);
        var restoredName = (await db.DatabasesAsync()).Single(n => n.StartsWith("shop_restored_", StringComparison.Ordinal));
        Assert.Matches("^shop_restored_[0-9]{14}$", restoredName);
        Assert.Equal(changed, await db.FingerprintAsync(restoredName));
        // Indexes and constraints came back too.
        Assert.Equal("events_customer", await db.Server.PsqlAsync("SELECT indexname FROM pg_indexes WHERE tablename = 'events' AND indexname = 'events_customer'", restoredName));
    }

    [Fact]
    public async Task A_backup_taken_under_concurrent_writes_is_one_consistent_snapshot_its_counts_verify()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 50_000);
        using var stop = new CancellationTokenSource();
        var writes = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = new Npgsql.NpgsqlConnection(db.Server.ConnectionString("shop"));
            await connection.OpenAsync();
            for (var id = 1_000_000L; !stop.IsCancellationRequested; id++)
            {
                await using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO events VALUES ({id}, 1, now(), 'live', '{{}}', 1); UPDATE customers SET balance = balance + 1 WHERE id = 1", connection);
                await insert.ExecuteNonQueryAsync();
                writes++;
            }
        });
        while (writes < 20)
        {
            await Task.Delay(10);
        }

        var backup = await db.BackupAsync();
        await stop.CancelAsync();
        await writer;
        var recorded = long.Parse(backup.GetProperty("source").GetProperty("rows:public.events").GetString()!);
        var balance = await db.Server.PsqlAsync("SELECT balance FROM customers WHERE id = 1", "shop");

        var restore = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "snap");
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        output.WriteLine($"{writes} transactions during the run; {recorded - 50_000} of them in the snapshot");
        Assert.InRange(recorded, 50_020, 50_000 + writes);
        // Both tables as of one moment: every live event inserted matches exactly one balance increment.
        var restoredEvents = long.Parse(await db.Server.PsqlAsync("SELECT count(*) FROM events WHERE kind = 'live'", "snap"));
        var restoredBalance = decimal.Parse(await db.Server.PsqlAsync("SELECT balance - 12.3456 FROM customers WHERE id = 1", "snap"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(recorded - 50_000, restoredEvents);
        Assert.Equal(restoredEvents, (long)restoredBalance);
        Assert.NotEqual(balance, await db.Server.PsqlAsync("SELECT balance FROM customers WHERE id = 1", "snap"));
    }

    [Fact]
    public async Task A_database_whose_name_needs_quoting_backs_up_restores_and_swaps()
    {
        const string name = "Shop Main's \"db\"";
        await using var db = await SampleDatabase.CreateAsync(events: 500, name);
        var original = await db.FingerprintAsync(name);
        var backup = await db.BackupAsync();
        Assert.Equal(name + ".dump", backup.GetProperty("source").GetProperty("dump").GetString());
        await db.Server.PsqlAsync("DELETE FROM customers WHERE id > 1000 AND id NOT IN (SELECT customer_id FROM events)", name);

        var swap = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--swap");

        Assert.True(swap.ExitCode == 0, swap.Stderr);
        Assert.Equal(original, await db.FingerprintAsync(name));
        Assert.Single(await db.DatabasesAsync(), n => n.StartsWith(name + "_before_", StringComparison.Ordinal));
    }
}
