using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class PointInTimeRecoveryTests
{
    [Fact]
    public async Task Recovery_under_pgbench_load_to_random_times_holds_exactly_the_markers_committed_before_each()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await RunPgbenchAsync(cluster, "-i", "-s", "2", "-q");
        await cluster.Server.PsqlAsync("create table marker(id int primary key)");

        await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical", "--json"));
        var second = await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical", "--json"));
        using (var json = JsonDocument.Parse(second.Stdout))
        {
            // A second full base backup of a barely changed cluster stores little: the tar deduplicates against the first.
            var summary = json.RootElement.GetProperty("summary");
            Assert.True(summary.GetProperty("newBytes").GetInt64() < summary.GetProperty("bytesRead").GetInt64() / 5,
                $"second base backup stored {summary.GetProperty("newBytes")} new bytes of {summary.GetProperty("bytesRead")}");
            Assert.Equal("physical", json.RootElement.GetProperty("source").GetProperty("mode").GetString());
        }

        using var load = StartPgbench(cluster, "-T", "6", "-c", "2", "-n");
        await using (var connection = new NpgsqlConnection(cluster.Server.ConnectionString()))
        {
            await connection.OpenAsync();
            var clock = Stopwatch.StartNew();
            for (var id = 0; clock.Elapsed < TimeSpan.FromSeconds(6); id++)
            {
                await using var insert = new NpgsqlCommand($"insert into marker values ({id})", connection);
                await insert.ExecuteNonQueryAsync();
                await Task.Delay(200);
            }
        }
        await load.WaitForExitAsync();
        Assert.Equal(0, load.ExitCode);
        await cluster.SwitchAndWaitArchivedAsync();

        // The primary's own record of when each marker committed: recovery_target_time is compared with exactly these.
        var markers = (await cluster.Server.PsqlAsync("select id, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') from marker order by 2"))
            .Split('\n').Select(l => l.Split('|')).Select(p => (Id: int.Parse(p[0], CultureInfo.InvariantCulture), Committed: DateTime.Parse(p[1], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)))
            .ToList();
        Assert.True(markers.Count >= 20, $"only {markers.Count} markers");

        var random = new Random();
        foreach (var round in Enumerable.Range(0, 3))
        {
            var k = random.Next(1, markers.Count - 1);
            var target = markers[k].Committed + (markers[k + 1].Committed - markers[k].Committed) / 2;
            var expected = markers.Take(k + 1).Select(m => m.Id).Order().ToList();
            var directory = Path.Combine(cluster.Root, $"restore-{round}");
            var port = PostgresServer.FreePort();

            var restored = await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", directory,
                "--to-time", target.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00", "--port", port.ToString(CultureInfo.InvariantCulture), "--start"));

            var connection = cluster.Server.ConnectionString().Replace($"Port={cluster.Server.Port}", $"Port={port}");
            await using (var db = new NpgsqlConnection(connection))
            {
                await db.OpenAsync();
                await using var query = new NpgsqlCommand("select coalesce(array_agg(id order by id), '{}'), pg_is_in_recovery(), (select count(*) from pgbench_accounts) from marker", db);
                await using var reader = await query.ExecuteReaderAsync();
                await reader.ReadAsync();
                Assert.Equal(expected, reader.GetFieldValue<int[]>(0));
                Assert.False(reader.GetBoolean(1), "the restored server should have been promoted");
                Assert.Equal(200_000L, reader.GetInt64(2));
            }
            Assert.Contains("recovery stopping before commit", restored.Stdout);
            await ArchivingCluster.StopRestoredAsync(directory);
        }
    }

    [Fact]
    public async Task A_physical_backup_of_a_server_without_archiving_is_refused_and_records_nothing()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);

        var result = await cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("archive_mode = off", result.Stderr);
        Assert.Contains("point-in-time recovery is impossible", result.Stderr);
        var snapshots = await ArchivingCluster.CheckAsync(cluster.CliAsync("snapshots", "--json"));
        Assert.Equal("[]", snapshots.Stdout.Trim());
    }

    [Fact]
    public async Task A_wrong_password_in_the_connection_fails_the_backup_clearly()
    {
        await using var cluster = await ArchivingCluster.StartAsync();

        var environment = cluster.Environment;
        environment["PGPASSWORD"] = "wrong";
        var result = await Lifeboat.Tests.Cli.CliRunner.RunAsync(environment, "backup", "postgres", "--connection", cluster.Url, "--physical");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("password authentication failed", result.Stderr);
    }

    internal static async Task RunPgbenchAsync(ArchivingCluster cluster, params string[] arguments)
    {
        using var process = StartPgbench(cluster, arguments);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }

    internal static Process StartPgbench(ArchivingCluster cluster, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(PostgresServer.Bin, "pgbench"))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", cluster.Server.Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresServer.User, .. arguments, "postgres"])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGPASSWORD"] = PostgresServer.Password;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }
}
