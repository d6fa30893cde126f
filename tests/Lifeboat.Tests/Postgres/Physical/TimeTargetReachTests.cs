using System.Globalization;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class TimeTargetReachTests
{
    [Fact]
    public async Task A_time_after_the_last_commit_of_a_quiet_server_restores_every_commit_and_a_later_one_says_what_to_do()
    {
        // No autovacuum: nothing but the test commits, so the server is quiet after the last insert.
        await using var cluster = await ArchivingCluster.StartAsync(true, "autovacuum = off");
        await cluster.Server.PsqlAsync("create table t(id int primary key); insert into t values (1)");
        await cluster.BaseBackupAsync();
        await cluster.Server.PsqlAsync("insert into t values (2)");
        var committed = DateTime.Parse(await cluster.Server.PsqlAsync(
            "select to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') from t where id = 2"),
            CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        // A restore point vouches that nothing was committed between the insert and it.
        await cluster.Server.PsqlAsync("select pg_create_restore_point('after-2')");
        await cluster.SwitchAndWaitArchivedAsync();

        // After the last commit, before the restore point: PostgreSQL alone never reaches it (no later commit to stop before).
        var rows = await cluster.RestoreAndSelectAsync("after-commit", "select array_agg(id order by id) from t", "--to-time", Time(committed.AddMilliseconds(1)));
        Assert.Equal([1, 2], rows);

        // Later than anything the archive vouches for: refused, naming the ways on.
        var later = DateTime.UtcNow;
        var refused = await cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", Path.Combine(cluster.Root, "restore-later"), "--to-time", Time(later));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--latest", refused.Stderr);
        Assert.Contains("pg_switch_wal()", refused.Stderr);
        Assert.Contains("pg_create_restore_point", refused.Stderr);
        Assert.False(Directory.Exists(Path.Combine(cluster.Root, "restore-later")));

        // As the message says: a restore point and a switch, archived, make the same target reachable.
        await cluster.Server.PsqlAsync("select pg_create_restore_point('lifeboat')");
        await cluster.SwitchAndWaitArchivedAsync();
        var reached = await cluster.RestoreAndSelectAsync("later", "select array_agg(id order by id) from t", "--to-time", Time(later));
        Assert.Equal([1, 2], reached);
    }

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
}
