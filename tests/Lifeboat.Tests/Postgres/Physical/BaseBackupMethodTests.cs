using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// The two ways a base backup reads a cluster: straight from the data directory on this machine (local) and
/// pg_basebackup over the connection (stream). Both must restore to exactly the committed rows.
/// </summary>
public sealed class BaseBackupMethodTests
{
    [Fact]
    public async Task Local_and_stream_backups_each_recover_exactly_their_rows_and_local_leaves_out_wal_unlogged_data_and_server_files()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int); insert into t select generate_series(1, 5000)");
        await cluster.Server.PsqlAsync("create unlogged table scratch(i int); insert into scratch select generate_series(1, 5000)");
        await cluster.SwitchAndWaitArchivedAsync();

        var local = await BackupAsync(cluster, "local");
        Assert.Equal("local", local.Method);
        await cluster.Server.PsqlAsync("select pg_create_restore_point('after-local')");
        await cluster.Server.PsqlAsync("insert into t select generate_series(5001, 6000)");
        var streamed = await BackupAsync(cluster, "stream");
        Assert.Equal("stream", streamed.Method);
        await cluster.Server.PsqlAsync("insert into t select generate_series(6001, 6500)");
        await cluster.SwitchAndWaitArchivedAsync();

        // What the local backup holds: the data directory without WAL, the server's runtime files or Lifeboat's spool.
        var listing = (await ArchivingCluster.CheckAsync(cluster.CliAsync("ls", local.Snapshot))).Stdout;
        Assert.Contains("/data/base/", listing, StringComparison.Ordinal);
        Assert.Contains("/data/pg_wal/archive_status/", listing, StringComparison.Ordinal);
        Assert.Contains("/backup_label", listing, StringComparison.Ordinal);
        Assert.Contains(" /pg_control\n", listing.Replace("\r", ""), StringComparison.Ordinal);
        Assert.DoesNotContain("/data/global/pg_control", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("/data/pg_wal/0", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("/data/postmaster.pid", listing, StringComparison.Ordinal);
        Assert.DoesNotContain("lifeboat-spool", listing, StringComparison.Ordinal);
        var scratch = await cluster.Server.PsqlAsync("select pg_relation_filepath('scratch')");
        Assert.Contains($"/data/{scratch}_init", listing, StringComparison.Ordinal);
        Assert.DoesNotContain($"/data/{scratch}\n", listing + "\n", StringComparison.Ordinal);

        // Each restores to the rows committed before it stopped, plus what the archive replays with --latest.
        Assert.Equal((6500L, 0L), await RestoreAsync(cluster, local.Snapshot, "local"));
        Assert.Equal((6500L, 0L), await RestoreAsync(cluster, streamed.Snapshot, "stream"));
        var port = PostgresServer.FreePort();
        var directory = Path.Combine(cluster.Root, "restore-local-at-stop");
        var login = $"postgresql://{PostgresServer.User}@127.0.0.1/postgres";
        var verified = await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", local.Snapshot, "--physical", "--target-dir", directory,
            "--to-name", "after-local", "--port", port.ToString(CultureInfo.InvariantCulture), "--start",
            "--connection", login, "--verify", "select count(*) from t=5000", "--verify", "select count(*) from scratch=0"));
        Assert.Contains("verified: select count(*) from t = 5000", verified.Stdout, StringComparison.Ordinal);
        await ArchivingCluster.StopRestoredAsync(directory);

        // A verification that does not hold fails the restore, naming what it got; the server is left running to look at.
        var wrongDirectory = Path.Combine(cluster.Root, "restore-wrong");
        var wrong = await cluster.CliAsync("restore", "postgres", local.Snapshot, "--physical", "--target-dir", wrongDirectory, "--to-name", "after-local",
            "--port", PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture), "--start", "--connection", login, "--verify", "select count(*) from t=4999");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("returned '5000', expected '4999'", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("still running", wrong.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(wrongDirectory, "postmaster.pid")));
    }

    [Fact]
    public async Task A_login_that_may_not_see_the_data_directory_is_refused_local_and_streams_by_default()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create role streamer login replication password 'stream-pw'");
        var url = $"postgresql://streamer@127.0.0.1:{cluster.Server.Port}/postgres";
        var passwordFile = Path.Combine(cluster.Root, "streamer-password");
        await File.WriteAllTextAsync(passwordFile, "stream-pw\n");

        var refused = await cluster.CliAsync("backup", "postgres", "--connection", url, "--pg-password-file", passwordFile, "--physical", "--method", "local");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("pg_read_all_settings", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("[]", (await ArchivingCluster.CheckAsync(cluster.CliAsync("snapshots", "--json"))).Stdout.Trim());

        var result = await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", url, "--pg-password-file", passwordFile, "--physical", "--json"));
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("stream", json.RootElement.GetProperty("source").GetProperty("method").GetString());
    }

    private sealed record Backup(string Snapshot, string Method);

    private static async Task<Backup> BackupAsync(ArchivingCluster cluster, string method)
    {
        var result = await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical", "--method", method, "--json"));
        using var json = JsonDocument.Parse(result.Stdout);
        var source = json.RootElement.GetProperty("source");
        return new Backup(json.RootElement.GetProperty("snapshot").GetString()!, source.GetProperty("method").GetString()!);
    }

    private static async Task<(long Rows, long Unlogged)> RestoreAsync(ArchivingCluster cluster, string snapshot, string label)
    {
        var directory = Path.Combine(cluster.Root, $"restore-{label}");
        var port = PostgresServer.FreePort();
        await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", snapshot, "--physical", "--target-dir", directory, "--latest",
            "--port", port.ToString(CultureInfo.InvariantCulture), "--start"));
        try
        {
            return (await CountAsync(cluster, port, "t"), await CountAsync(cluster, port, "scratch"));
        }
        finally
        {
            await ArchivingCluster.StopRestoredAsync(directory);
        }
    }

    private static async Task<long> CountAsync(ArchivingCluster cluster, int port, string table)
    {
        await using var db = new NpgsqlConnection(cluster.Server.ConnectionString().Replace($"Port={cluster.Server.Port}", $"Port={port}"));
        await db.OpenAsync();
        await using var query = new NpgsqlCommand($"select count(*) from {table}", db);
        return (long)(await query.ExecuteScalarAsync())!;
    }
}
