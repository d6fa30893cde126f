using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class DataDirectoryFilterTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lifeboat-filter-" + Guid.NewGuid().ToString("N")[..10]);

    public DataDirectoryFilterTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "base", "5"));
        foreach (var file in new[] { "16384", "16384.1", "16384_fsm", "16384_vm", "16384_init", "16390", "16390_fsm" })
        {
            File.WriteAllBytes(Path.Combine(_root, "base", "5", file), []);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("pg_wal/000000010000000000000001", true)]
    [InlineData("pg_wal/archive_status", false)]
    [InlineData("pg_wal/archive_status/000000010000000000000001.done", true)]
    [InlineData("pg_replslot/slot1", true)]
    [InlineData("pg_stat_tmp/global.stat", true)]
    [InlineData("postmaster.pid", true)]
    [InlineData("backup_label", true)]
    [InlineData("lifeboat-spool", true)]
    [InlineData(".s.PGSQL.5432", true)]
    [InlineData(".s.PGSQL.5432.lock", true)]
    [InlineData("lifeboat-wal-fetch.sh", true)]
    [InlineData("postgresql.auto.conf", false)]
    [InlineData("global/pg_control", true)]
    [InlineData("global/1262", false)]
    [InlineData("global/pg_internal.init", true)]
    [InlineData("base/pgsql_tmp", true)]
    [InlineData("base/5/16384", true)]
    [InlineData("base/5/16384.1", true)]
    [InlineData("base/5/16384_fsm", true)]
    [InlineData("base/5/16384_vm", true)]
    [InlineData("base/5/16384_init", false)]
    [InlineData("base/5/16390", false)]
    [InlineData("base/5/16390_fsm", false)]
    [InlineData("base/5/PG_VERSION", false)]
    public void Leaves_out_what_pg_basebackup_leaves_out(string relative, bool excluded)
    {
        var filter = new DataDirectoryFilter(_root);
        Assert.Equal(excluded, filter.IsExcluded(Path.Combine(_root, relative), Path.GetFileName(relative)));
    }
}
