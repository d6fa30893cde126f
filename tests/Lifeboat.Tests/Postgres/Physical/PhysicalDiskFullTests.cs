using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class PhysicalDiskFullTests
{
    [Fact]
    public async Task A_restore_onto_a_full_disk_fails_clearly_and_leaves_nothing_behind()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int); insert into t select generate_series(1, 1000)");
        await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", cluster.Url, "--physical", "--method", "local"));
        var mount = Path.Combine(cluster.Root, "small");
        Directory.CreateDirectory(mount);
        using (var mounting = Process.Start("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount])!)
        {
            await mounting.WaitForExitAsync();
            Assert.True(mounting.ExitCode == 0, "this test needs root to mount an 8 MiB tmpfs");
        }
        try
        {
            var full = await cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", Path.Combine(mount, "data"),
                "--port", PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture), "--start");

            Assert.Equal(1, full.ExitCode);
            Assert.True(full.Stderr.Contains("disk was full", StringComparison.Ordinal) || full.Stderr.Contains("No space left", StringComparison.Ordinal), full.Stderr);
            Assert.Contains("emptied again", full.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(mount));
        }
        finally
        {
            using var unmounting = Process.Start("umount", [mount])!;
            await unmounting.WaitForExitAsync();
        }
    }
}
