using System.Globalization;
using System.Text.Json;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// What a recovery chains: a point-in-time restore, a base backup of the restored cluster, and a restore from that
/// backup. The restored cluster must look like the original plus what was asked for.
/// </summary>
public sealed class RestoredClusterTests
{
    private const string AwsSecret = "aws-secret-never-in-pgdata";

    [Fact]
    public async Task A_point_in_time_restore_leaves_no_secret_or_recovery_setting_and_its_base_backup_restores_again()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(id int primary key); insert into t values (1), (2), (3)");
        await cluster.BaseBackupAsync();
        await cluster.Server.PsqlAsync("insert into t values (4)");
        await cluster.Server.PsqlAsync("insert into t values (5)");
        var target = await cluster.Server.PsqlAsync("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')");
        await cluster.Server.PsqlAsync("insert into t values (6)");
        await cluster.SwitchAndWaitArchivedAsync();

        // The password in clear (not a file) and an S3 secret: the fetch script must hold them, never PGDATA.
        var environment = cluster.Environment;
        environment.Remove("LIFEBOAT_PASSWORD_FILE");
        environment.Remove("LIFEBOAT_KEY_FILE");
        environment["LIFEBOAT_PASSWORD"] = "pitr-test-password";
        environment["AWS_SECRET_ACCESS_KEY"] = AwsSecret;
        var restored = Path.Combine(cluster.Root, "restore-first");
        var port = PostgresServer.FreePort();
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--physical", "--target-dir", restored,
            "--to-time", target + "+00", "--port", port.ToString(CultureInfo.InvariantCulture), "--start", "--keep-archiving"));

        AssertLooksLikeTheOriginal(restored, cluster.Root);
        var url = $"postgresql://{PostgresServer.User}@127.0.0.1:{port}/postgres";
        Assert.Equal("1,2,3,4,5", await PsqlAsync(port, "select string_agg(id::text, ',' order by id) from t"));
        // The end of recovery has the server reload its configuration, which it does on its own time: wait for it
        // (recovery_target_* can only change at a restart; without recovery.signal they are unused).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await PsqlAsync(port, "select count(*) from pg_settings where name in ('restore_command', 'recovery_end_command') and setting <> ''") != "0")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the restored server still uses the recovery settings");
            await Task.Delay(100);
        }
        await PsqlAsync(port, "insert into t values (10)");

        // The restored cluster is a new primary: its base backup must succeed, and hold neither sockets nor secrets.
        var backup = await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", url, "--physical", "--json"));
        string snapshot;
        using (var json = JsonDocument.Parse(backup.Stdout))
        {
            snapshot = json.RootElement.GetProperty("snapshot").GetString()!;
        }
        var listing = await ArchivingCluster.CheckAsync(cluster.CliAsync("ls", snapshot, "/data"));
        Assert.DoesNotContain(".s.PGSQL", listing.Stdout);
        Assert.DoesNotContain("lifeboat-wal-fetch", listing.Stdout);
        var copy = Path.Combine(cluster.Root, "copy");
        await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", snapshot, "--target", copy, "--include", "/data/postgresql.auto.conf"));
        var stored = await File.ReadAllTextAsync(Path.Combine(copy, "data", "postgresql.auto.conf"));
        foreach (var setting in new[] { "restore_command", "recovery_target", "recovery_end_command", "port", "listen_addresses", "unix_socket_directories" })
        {
            Assert.DoesNotContain(setting, stored);
        }

        await PsqlAsync(port, "insert into t values (11)");
        var segment = await PsqlAsync(port, "select pg_walfile_name(pg_switch_wal())");
        clock.Restart();
        while (string.CompareOrdinal(await PsqlAsync(port, "select coalesce(last_archived_wal, '') from pg_stat_archiver"), segment) < 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"{segment} of the restored cluster was not archived");
            await Task.Delay(100);
        }
        await ArchivingCluster.StopRestoredAsync(restored);
        var rows = await cluster.RestoreAndSelectAsync("second", "select array_agg(id order by id) from t", "--latest");
        Assert.Equal([1, 2, 3, 4, 5, 10, 11], rows);
        AssertLooksLikeTheOriginal(Path.Combine(cluster.Root, "restore-second"), cluster.Root);
    }

    private static void AssertLooksLikeTheOriginal(string dataDirectory, string root)
    {
        Assert.False(File.Exists(Path.Combine(dataDirectory, "lifeboat-wal-fetch.sh")));
        Assert.False(File.Exists(Path.Combine(dataDirectory, "lifeboat-recovery.log")));
        Assert.Empty(Directory.GetFiles(dataDirectory, ".s.PGSQL.*"));
        var settings = File.ReadAllText(Path.Combine(dataDirectory, "postgresql.auto.conf"));
        foreach (var setting in new[] { "restore_command", "recovery_target", "recovery_end_command", "port", "listen_addresses", "unix_socket_directories" })
        {
            Assert.DoesNotContain(setting, settings);
        }
        Assert.False(File.Exists(Path.Combine(dataDirectory, "recovery.signal")));
        // No file the restore wrote anywhere near the cluster holds a secret (the folder holding the fetch script is gone).
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (file.StartsWith(Path.Combine(root, "repo") + "/", StringComparison.Ordinal) || Path.GetFileName(file) is "password" or "key"
                || Path.GetFileName(file).StartsWith(".s.PGSQL", StringComparison.Ordinal)
                || new FileInfo(file).Length > 64 << 20 || (File.GetAttributes(file) & FileAttributes.ReparsePoint) != 0)
            {
                continue;
            }
            var text = File.ReadAllText(file);
            Assert.False(text.Contains(AwsSecret, StringComparison.Ordinal) || text.Contains("pitr-test-password", StringComparison.Ordinal), $"{file} holds a secret");
        }
    }

    private static async Task<string> PsqlAsync(int port, string sql)
    {
        await using var db = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={port};Username={PostgresServer.User};Password={PostgresServer.Password};Database=postgres;Pooling=false");
        await db.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }
}
