using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// PostgreSQL's archiver driving <c>wal push</c> with a backlog of ready segments: the first push starts the background
/// process that archives ahead, and every later push finishes from a marker or waits for one; PostgreSQL must see
/// every push succeed and the repository must hold every segment with the bytes pg_wal holds.
/// </summary>
public sealed class ArchivingAheadTests
{
    [Fact]
    public async Task A_backlog_of_segments_is_archived_ahead_and_every_push_postgresql_runs_succeeds()
    {
        // wal_keep_size keeps the switched segments in pg_wal, to compare their bytes with what was archived.
        await using var cluster = await ArchivingCluster.StartAsync(archive: true, "wal_keep_size = 512MB");
        await cluster.Server.PsqlAsync("create table filler (id bigint, payload text)");
        var switched = new List<string>();
        // Faster than the pushes of the test build: segments pile up as .ready, and the backlog is archived ahead.
        for (var i = 0; i < 12; i++)
        {
            switched.Add(await cluster.Server.PsqlAsync($"insert into filler select g, md5(g::text) from generate_series(1, 2000) g; select pg_walfile_name(pg_switch_wal())"));
        }
        await cluster.SwitchAndWaitArchivedAsync();

        Assert.Equal("0", await cluster.Server.PsqlAsync("select failed_count from pg_stat_archiver"));
        var claim = new WalSpool(Path.Combine(cluster.Server.DataDirectory, "lifeboat-spool"), "", "").ReadClaim();
        Assert.NotNull(claim);
        var systemIdentifier = await cluster.Server.PsqlAsync("select system_identifier from pg_control_system()");
        var archived = cluster.ArchivedWal(systemIdentifier + "-");
        foreach (var segment in switched)
        {
            Assert.Contains(segment, archived);
            var fetched = Path.Combine(cluster.Root, "fetched-" + segment);
            await ArchivingCluster.CheckAsync(cluster.CliAsync("wal", "fetch", segment, fetched));
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(cluster.Server.DataDirectory, "pg_wal", segment)), await File.ReadAllBytesAsync(fetched));
        }
    }
}
