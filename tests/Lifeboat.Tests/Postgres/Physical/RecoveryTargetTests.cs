using System.Globalization;
using Npgsql;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class RecoveryTargetTests
{
    [Fact]
    public async Task Restore_points_transaction_ids_and_lsns_each_stop_recovery_exactly_there()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical"));
        await cluster.Server.PsqlAsync("insert into t values (1)");
        await cluster.Server.PsqlAsync("select pg_create_restore_point('before-2')");
        await cluster.Server.PsqlAsync("insert into t values (2)");
        var xid = await cluster.Server.PsqlAsync("insert into t values (3) returning txid_current()");
        await cluster.Server.PsqlAsync("insert into t values (4)");
        var lsn = await cluster.Server.PsqlAsync("select pg_current_wal_insert_lsn()");
        await cluster.Server.PsqlAsync("insert into t values (5)");
        await cluster.SwitchAndWaitArchivedAsync();

        Assert.Equal(new[] { 1 }, await RestoreAsync(cluster, "name", "--to-name", "before-2"));
        Assert.Equal(new[] { 1, 2, 3 }, await RestoreAsync(cluster, "xid", "--to-xid", xid));
        Assert.Equal(new[] { 1, 2, 3, 4 }, await RestoreAsync(cluster, "lsn", "--to-lsn", lsn));
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, await RestoreAsync(cluster, "latest", "--latest"));
    }

    private static Task<int[]> RestoreAsync(ArchivingCluster cluster, string label, params string[] target) =>
        cluster.RestoreAndSelectAsync(label, "select coalesce(array_agg(i order by i), '{}') from t", target);
}
