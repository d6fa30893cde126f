using System.Diagnostics;
using System.Globalization;
using Lifeboat.Tests.Postgres.Physical;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalReceiveTests
{
    private const string Slot = "lifeboat_receive";

    [Fact]
    public async Task Received_WAL_alone_is_archived_byte_for_byte_and_restores_a_base_backup_to_the_markers()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);
        await using var receiver = WalReceiverProcess.Start(cluster, Slot, "--create-slot");
        await WaitStreamingAsync(cluster);
        await PointInTimeRecoveryTests.RunPgbenchAsync(cluster, "-i", "-s", "1", "-q");
        await cluster.Server.PsqlAsync("create table marker(id int primary key)");
        // archive_mode is off: the backup is accepted because the receiver streams, and waits for it to push the stop segment.
        var (_, systemId, _) = await cluster.BaseBackupAsync();

        using var load = PointInTimeRecoveryTests.StartPgbench(cluster, "-T", "5", "-c", "1", "-n");
        var switched = new List<string>();
        await using (var connection = new NpgsqlConnection(cluster.Server.ConnectionString()))
        {
            await connection.OpenAsync();
            for (var id = 0; id < 24; id++)
            {
                await using var insert = new NpgsqlCommand($"insert into marker values ({id})", connection);
                await insert.ExecuteNonQueryAsync();
                await Task.Delay(150);
                if (id % 8 == 7)
                {
                    switched.Add(await cluster.Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())"));
                }
            }
        }
        await load.WaitForExitAsync();
        Assert.Equal(0, load.ExitCode);
        await receiver.WaitPushedAsync(switched[^1]);

        // Every received segment still in pg_wal comes back from the repository exactly as the server wrote it.
        var compared = 0;
        foreach (var segment in receiver.Pushed)
        {
            var original = Path.Combine(cluster.Server.DataDirectory, "pg_wal", segment);
            if (!File.Exists(original) || string.CompareOrdinal(segment, switched[^1]) > 0)
            {
                continue;
            }
            var fetched = Path.Combine(cluster.Root, "fetched-" + segment);
            await ArchivingCluster.CheckAsync(cluster.CliAsync("wal", "fetch", segment, fetched, "--system-id", systemId));
            var expected = await File.ReadAllBytesAsync(original);
            var actual = await File.ReadAllBytesAsync(fetched);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{segment} differs from pg_wal's");
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} received segments were still in pg_wal: {string.Join(' ', receiver.Pushed)}");
        Assert.Empty(Completed(receiver.Staging));

        var markers = (await cluster.Server.PsqlAsync("select id, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') from marker order by 2"))
            .Split('\n').Select(l => l.Split('|'))
            .Select(p => (Id: int.Parse(p[0], CultureInfo.InvariantCulture), Committed: DateTime.Parse(p[1], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)))
            .ToList();
        var k = Random.Shared.Next(2, markers.Count - 10);
        var target = markers[k].Committed + (markers[k + 1].Committed - markers[k].Committed) / 2;
        Assert.Equal(markers.Take(k + 1).Select(m => m.Id).Order(), await RestoreMarkersAsync(cluster, "to-time",
            "--to-time", target.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00"));
        Assert.Equal(Enumerable.Range(0, 24), await RestoreMarkersAsync(cluster, "latest", "--latest"));

        var (code, stderr) = await receiver.TerminateAsync();
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task A_wrong_password_a_missing_slot_or_a_missing_pg_receivewal_is_a_clear_error_and_nothing_is_pushed()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);
        var staging = Path.Combine(cluster.Root, "staging");
        string[] receive = ["wal", "receive", "--connection", cluster.Url, "--slot", Slot, "--staging", staging];

        var environment = cluster.Environment;
        environment["PGPASSWORD"] = "wrong";
        var wrongPassword = await Lifeboat.Tests.Cli.CliRunner.RunAsync(environment, [.. receive, "--create-slot"]);
        Assert.Equal(1, wrongPassword.ExitCode);
        Assert.Contains("password authentication failed", wrongPassword.Stderr);
        Assert.DoesNotContain(PostgresServer.Password, wrongPassword.Stderr + wrongPassword.Stdout);

        var missingSlot = await cluster.CliAsync(receive);
        Assert.Equal(1, missingSlot.ExitCode);
        Assert.Contains($"no replication slot '{Slot}'", missingSlot.Stderr);
        Assert.Contains("--create-slot", missingSlot.Stderr);

        var missingProgram = await cluster.CliAsync([.. receive, "--create-slot", "--pg-receivewal", "/nonexistent/bin/pg_receivewal"]);
        Assert.Equal(1, missingProgram.ExitCode);
        Assert.Contains("/nonexistent/bin/pg_receivewal does not exist", missingProgram.Stderr);
        // The program is checked before the slot is created: a failed start leaves no slot holding WAL on the server.
        Assert.Equal("0", await cluster.Server.PsqlAsync("select count(*) from pg_replication_slots"));

        var walFolder = Path.Combine(cluster.Repository, "wal");
        Assert.Empty(Directory.Exists(walFolder) ? Directory.GetFiles(walFolder) : []);
        Assert.Empty(Directory.Exists(staging) ? Completed(staging) : []);
    }

    [Fact]
    public async Task SIGTERM_under_load_leaves_no_completed_segment_unpushed_and_a_restart_pushes_leftovers_first_without_a_gap()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);
        await PointInTimeRecoveryTests.RunPgbenchAsync(cluster, "-i", "-s", "1", "-q");
        var first = WalReceiverProcess.Start(cluster, Slot, "--create-slot");
        await using (first)
        {
            await WaitStreamingAsync(cluster);
            using var load = PointInTimeRecoveryTests.StartPgbench(cluster, "-T", "4", "-c", "2", "-n");
            await Task.Delay(2500);
            var (code, stderr) = await first.TerminateAsync();
            Assert.True(code == 0, stderr);
            Assert.Contains("stays in", stderr);
            await load.WaitForExitAsync();
        }
        Assert.Empty(Completed(first.Staging));
        Assert.NotEmpty(first.Pushed);
        Assert.False(await ReceiveWalRunningAsync(first.Staging), "pg_receivewal still runs after the receiver stopped");

        // A receiver that died between pg_receivewal completing a segment and pushing it: the segment waits in staging.
        var leftover = await CompleteOneSegmentWithoutPushingAsync(cluster, first.Staging);

        await using var second = WalReceiverProcess.Start(cluster, Slot);
        await second.WaitPushedAsync(leftover);
        Assert.Equal(leftover, second.Pushed[0]);
        await WaitStreamingAsync(cluster);
        await cluster.Server.PsqlAsync("create table after_restart(id int)");
        var last = await cluster.Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())");
        await second.WaitPushedAsync(last);
        var (secondCode, secondStderr) = await second.TerminateAsync();
        Assert.True(secondCode == 0, secondStderr);

        var check = await cluster.CliAsync("wal", "check");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("WAL chain complete", check.Stdout);
        Assert.Contains($"..{last}", check.Stdout);
    }

    [Fact]
    public async Task A_receiver_killed_with_SIGKILL_is_replaced_by_the_next_start_which_stops_its_orphan_and_pushes_what_it_completed()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);
        var crashed = WalReceiverProcess.Start(cluster, Slot, "--create-slot");
        await using (crashed)
        {
            await WaitStreamingAsync(cluster);
            await crashed.KillAloneAsync();
        }
        // The orphaned pg_receivewal still streams: it completes this segment, and nobody pushes it.
        await cluster.Server.PsqlAsync("create table t(id int)");
        var orphaned = await cluster.Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(crashed.Staging, orphaned)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"the orphaned pg_receivewal did not complete {orphaned}");
            await Task.Delay(100);
        }

        await using var next = WalReceiverProcess.Start(cluster, Slot);
        await next.WaitPushedAsync(orphaned);
        await WaitStreamingAsync(cluster);
        var last = await cluster.Server.PsqlAsync("insert into t values (1); select pg_walfile_name(pg_switch_wal())");
        await next.WaitPushedAsync(last);
        var (code, stderr) = await next.TerminateAsync();

        Assert.True(code == 0, stderr);
        Assert.Contains("stopped pg_receivewal (process", stderr);
        Assert.False(await ReceiveWalRunningAsync(crashed.Staging), "a pg_receivewal still runs");
        var check = await cluster.CliAsync("wal", "check");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }

    [Fact]
    public async Task A_server_that_goes_away_ends_the_receiver_with_pg_receivewals_error_after_pushing_what_it_completed()
    {
        await using var cluster = await ArchivingCluster.StartAsync(archive: false);
        await using var receiver = WalReceiverProcess.Start(cluster, Slot, "--create-slot");
        await WaitStreamingAsync(cluster);
        await cluster.Server.PsqlAsync("create table t(id int)");
        var segment = await cluster.Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())");
        await receiver.WaitPushedAsync(segment);

        await cluster.Server.StopServerAsync();
        var (code, stderr) = await receiver.ExitAsync();

        Assert.Equal(1, code);
        Assert.Contains("pg_receivewal failed with exit code 1", stderr);
        Assert.Contains("pg_receivewal: error:", stderr);
        Assert.Empty(Completed(receiver.Staging));
    }

    private static IEnumerable<string> Completed(string staging) =>
        Directory.GetFiles(staging).Select(Path.GetFileName).OfType<string>().Where(n => n.Length == 24 || n.EndsWith(".history", StringComparison.Ordinal));

    // Runs pg_receivewal itself into the staging folder until it completes one segment, then interrupts it.
    private static async Task<string> CompleteOneSegmentWithoutPushingAsync(ArchivingCluster cluster, string staging)
    {
        var start = new ProcessStartInfo(Path.Combine(PostgresServer.Bin, "pg_receivewal")) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", cluster.Server.Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresServer.User,
            "--directory", staging, "--slot", Slot, "--synchronous", "--no-loop", "--no-password"])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGPASSWORD"] = PostgresServer.Password;
        using var receivewal = Process.Start(start)!;
        var stderr = receivewal.StandardError.ReadToEndAsync();
        try
        {
            await cluster.Server.PsqlAsync("create table before_restart(id int)");
            var segment = await cluster.Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(staging, segment)))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1) && !receivewal.HasExited, $"pg_receivewal did not complete {segment}: {(receivewal.HasExited ? await stderr : "")}");
                await Task.Delay(100);
            }
            return segment;
        }
        finally
        {
            receivewal.Kill();
            await receivewal.WaitForExitAsync();
        }
    }

    private static Task<int[]> RestoreMarkersAsync(ArchivingCluster cluster, string label, params string[] target) =>
        cluster.RestoreAndSelectAsync(label, "select coalesce(array_agg(id order by id), '{}') from marker", target);

    private static async Task<bool> ReceiveWalRunningAsync(string staging)
    {
        using var pgrep = Process.Start("pgrep", ["-f", $"pg_receivewal --directory {staging}"]);
        await pgrep.WaitForExitAsync();
        return pgrep.ExitCode == 0;
    }

    private static async Task WaitStreamingAsync(ArchivingCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        while (await cluster.Server.PsqlAsync("select count(*) from pg_stat_replication where application_name = 'lifeboat wal receive' and state = 'streaming'") == "0")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the receiver did not start streaming within a minute");
            await Task.Delay(200);
        }
    }
}
