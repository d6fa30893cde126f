using System.Globalization;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// A region outage: the primary repository is gone and the offsite repository alone must restore PostgreSQL to a
/// point in time. Chains what such a recovery chains: a plan with an offsite repository backs up and copies, WAL keeps
/// being archived, a later 'copy' sends it, then only the offsite repository is used.
/// </summary>
public sealed class OffsiteRecoveryTests
{
    [Fact]
    public async Task A_region_outage_restore_from_the_offsite_repository_alone_recovers_postgres_to_a_point_in_time()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        var offsite = Path.Combine(cluster.Root, "offsite");
        var offsitePassword = Path.Combine(cluster.Root, "offsite-password");
        await File.WriteAllTextAsync(offsitePassword, "offsite-test-password\n");
        var offsiteEnvironment = new Dictionary<string, string?>
        {
            ["LIFEBOAT_REPOSITORY"] = offsite, ["LIFEBOAT_PASSWORD_FILE"] = offsitePassword, ["PGPASSWORD"] = PostgresServer.Password,
            ["LIFEBOAT_FROM_PASSWORD_FILE"] = Path.Combine(cluster.Root, "password"),
        };
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(offsiteEnvironment, "init", "--copy-chunker-from", cluster.Repository));
        var plan = await cluster.WritePlanAsync(["offsite: far"], new() { ["far"] = [$"location: {offsite}", $"password-file: {offsitePassword}"] });
        await cluster.Server.PsqlAsync("create table t(i int); insert into t select generate_series(1, 3)");
        await cluster.SwitchAndWaitArchivedAsync();
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(new Dictionary<string, string?> { ["PGPASSWORD"] = PostgresServer.Password }, "backup", "--plan", plan));

        // The plan's offsite copy already sent the WAL the base backup needs.
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(offsiteEnvironment, "wal", "check"));

        await cluster.Server.PsqlAsync("insert into t select generate_series(4, 6)");
        var target = await cluster.Server.PsqlAsync("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        await cluster.Server.PsqlAsync("insert into t select generate_series(7, 9)");
        await cluster.SwitchAndWaitArchivedAsync();
        // A later copy sends the WAL archived since.
        var copied = await ArchivingCluster.CheckAsync(CliRunner.RunAsync(offsiteEnvironment, "copy", "--from-repo", cluster.Repository));
        Assert.Contains("WAL files of 1 PostgreSQL cluster(s)", copied.Stdout);
        var checkedOffsite = await CliRunner.RunAsync(offsiteEnvironment, "check");
        Assert.True(checkedOffsite.ExitCode == 0, checkedOffsite.Stdout + checkedOffsite.Stderr);

        // The outage: the primary repository is gone.
        Directory.Move(cluster.Repository, cluster.Repository + "-lost");
        await RunAsync("chown", "-R", "postgres", cluster.Root);
        var directory = Path.Combine(cluster.Root, "restore-offsite");
        var port = PostgresServer.FreePort();
        var restored = await CliRunner.RunAsync(offsiteEnvironment, "restore", "postgres", "latest", "--physical", "--target-dir", directory, "--to-time", target,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--start");
        Assert.True(restored.ExitCode == 0, restored.Stdout + restored.Stderr);
        try
        {
            await using var db = new Npgsql.NpgsqlConnection(cluster.Server.ConnectionString().Replace($"Port={cluster.Server.Port}", $"Port={port}"));
            await db.OpenAsync();
            await using var query = new Npgsql.NpgsqlCommand("select array_agg(i order by i) from t", db);
            var rows = (int[])(await query.ExecuteScalarAsync())!;
            Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, rows);
        }
        finally
        {
            await ArchivingCluster.StopRestoredAsync(directory);
        }
    }

    [Fact]
    public async Task Check_reports_a_base_backup_whose_wal_is_missing_from_the_repository_as_damage()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await cluster.SwitchAndWaitArchivedAsync();
        var (snapshot, systemIdentifier, startSegment) = await cluster.BaseBackupAsync();
        Assert.Equal(0, (await cluster.CliAsync("check")).ExitCode);

        File.Delete(Path.Combine(cluster.Repository, "wal", $"{systemIdentifier}-{startSegment}"));
        var partial = await cluster.CliAsync("check");
        Assert.Equal(4, partial.ExitCode);
        Assert.Contains($"base backup {snapshot[..8]} of component 'postgres' (cluster {systemIdentifier}) cannot be restored: the repository lacks its WAL {startSegment}", partial.Stdout);
        Assert.DoesNotContain("no errors were found", partial.Stdout);

        // Nothing of the cluster at all, not even the record that names it: still damage.
        foreach (var file in Directory.GetFiles(Path.Combine(cluster.Repository, "wal")))
        {
            File.Delete(file);
        }
        var none = await cluster.CliAsync("check", "--json");
        Assert.Equal(4, none.ExitCode);
        Assert.Contains("cannot be restored: the repository lacks its WAL", none.Stdout);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
