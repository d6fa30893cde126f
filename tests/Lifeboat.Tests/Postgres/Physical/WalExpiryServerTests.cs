using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class WalExpiryServerTests
{
    [Fact]
    public async Task After_forgetting_the_first_of_two_base_backups_expire_removes_exactly_its_wal_and_forget_expires_by_itself_and_the_last_backup_still_recovers_everything()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await cluster.SwitchAndWaitArchivedAsync();
        var first = await cluster.BaseBackupAsync();
        for (var i = 0; i < 3; i++)
        {
            await cluster.Server.PsqlAsync($"insert into t values ({i})");
            await cluster.SwitchAndWaitArchivedAsync();
        }
        var second = await cluster.BaseBackupAsync();
        await cluster.Server.PsqlAsync("insert into t values (99)");
        await cluster.SwitchAndWaitArchivedAsync();
        var prefix = $"{second.SystemIdentifier}-";
        List<string> Before(IEnumerable<string> files, string segment) =>
            [.. files.Where(f => string.CompareOrdinal(f[..Math.Min(24, f.Length)], segment) < 0 && !f.EndsWith(".history", StringComparison.Ordinal))];

        // With both backups kept, only WAL from before the first one's start goes; a second run then finds nothing.
        var initial = cluster.ArchivedWal(prefix);
        var beforeFirst = Before(initial, first.StartSegment);
        Assert.Equal(beforeFirst, await ExpireAsync(cluster));
        var all = cluster.ArchivedWal(prefix);
        Assert.Equal(initial.Except(beforeFirst), all);
        Assert.Empty(await ExpireAsync(cluster));
        Assert.Equal(all, cluster.ArchivedWal(prefix));

        await ArchivingCluster.CheckAsync(cluster.CliAsync("forget", "--keep-last", "1", "--component", "postgres", "--keep-wal"));
        var expected = Before(all, second.StartSegment);
        Assert.Contains(first.StartSegment, expected);

        var dry = await ArchivingCluster.CheckAsync(cluster.CliAsync("wal", "expire", "--dry-run"));
        Assert.All(expected, f => Assert.Contains($"would delete {f}: before {second.StartSegment}", dry.Stdout));
        Assert.Equal(all, cluster.ArchivedWal(prefix));

        Assert.Equal(expected, await ExpireAsync(cluster));
        Assert.Equal(all.Except(expected), cluster.ArchivedWal(prefix));
        Assert.All(cluster.ArchivedWal(prefix), f => Assert.True(f.EndsWith(".history", StringComparison.Ordinal) || string.CompareOrdinal(f[..24], second.StartSegment) >= 0, f));

        var check = await cluster.CliAsync("wal", "check");
        Assert.Equal(0, check.ExitCode);
        Assert.Contains($"base backup {second.Snapshot[..8]}", check.Stdout);
        Assert.Contains(": restorable;", check.Stdout);

        // Forgetting a base backup expires the WAL it alone needed, by itself.
        var third = await cluster.BaseBackupAsync();
        await cluster.Server.PsqlAsync("insert into t values (100)");
        await cluster.SwitchAndWaitArchivedAsync();
        var beforeThird = Before(cluster.ArchivedWal(prefix), third.StartSegment);
        Assert.Contains(second.StartSegment, beforeThird);
        var forgot = await ArchivingCluster.CheckAsync(cluster.CliAsync("forget", "--keep-last", "1", "--component", "postgres"));
        Assert.Contains($"WAL of component 'postgres': deleted {beforeThird.Count} files", forgot.Stdout);
        Assert.Empty(Before(cluster.ArchivedWal(prefix), third.StartSegment));
        Assert.Equal(0, (await cluster.CliAsync("wal", "check")).ExitCode);

        // Recovery from the one remaining backup replays to the newest archived commit.
        var directory = Path.Combine(cluster.Root, "restore-after-expire");
        var port = PostgresServer.FreePort();
        await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", directory,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--start"));
        await using (var db = new NpgsqlConnection(cluster.Server.ConnectionString().Replace($"Port={cluster.Server.Port}", $"Port={port}")))
        {
            await db.OpenAsync();
            await using var query = new NpgsqlCommand("select array_agg(i order by i) from t", db);
            var values = (int[])(await query.ExecuteScalarAsync())!;
            Assert.Equal(new[] { 0, 1, 2, 99, 100 }, values);
        }
        await ArchivingCluster.StopRestoredAsync(directory);
    }

    private static async Task<List<string>> ExpireAsync(ArchivingCluster cluster)
    {
        var result = await ArchivingCluster.CheckAsync(cluster.CliAsync("wal", "expire", "--keep-within", "0d", "--json"));
        return [.. JsonDocument.Parse(result.Stdout).RootElement.GetProperty("expired").EnumerateArray().Select(e => e.GetProperty("file").GetString()!).Order(StringComparer.Ordinal)];
    }
}
