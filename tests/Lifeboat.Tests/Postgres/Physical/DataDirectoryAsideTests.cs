using System.Globalization;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class DataDirectoryAsideTests
{
    [Fact]
    public async Task A_restore_into_a_stopped_cluster_keeps_it_aside_and_refuses_a_running_one_or_another_directory()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(id int primary key); insert into t values (1), (2)");
        await cluster.BaseBackupAsync();
        await cluster.SwitchAndWaitArchivedAsync();
        var directory = Path.Combine(cluster.Root, "restore-inplace");
        var port = PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture);
        await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", directory, "--latest", "--port", port, "--start"));

        var running = await cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", directory, "--latest");
        Assert.Equal(1, running.ExitCode);
        Assert.Contains("is running on", running.Stderr);
        Assert.True(File.Exists(Path.Combine(directory, "postmaster.pid")));
        Assert.Empty(Directory.GetDirectories(cluster.Root, "restore-inplace.before-restore.*"));

        await ArchivingCluster.StopRestoredAsync(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "damaged-marker"), "the damaged cluster");
        var restored = await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", directory, "--latest",
            "--port", port, "--start"));
        var aside = Assert.Single(Directory.GetDirectories(cluster.Root, "restore-inplace.before-restore.*"));
        Assert.Contains(aside, restored.Stdout);
        Assert.Equal("the damaged cluster", await File.ReadAllTextAsync(Path.Combine(aside, "damaged-marker")));
        Assert.False(File.Exists(Path.Combine(directory, "damaged-marker")));
        await ArchivingCluster.StopRestoredAsync(directory);

        var other = Path.Combine(cluster.Root, "not-a-cluster");
        Directory.CreateDirectory(other);
        await File.WriteAllTextAsync(Path.Combine(other, "notes"), "keep me");
        var refused = await cluster.CliAsync("restore", "postgres", "latest", "--physical", "--target-dir", other, "--latest");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not a PostgreSQL data directory", refused.Stderr);
        Assert.Equal(["notes"], Directory.GetFileSystemEntries(other).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(cluster.Root, "not-a-cluster.before-restore*"));
    }
}
