using System.Text.Json;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class WalGapTests
{
    [Fact]
    public async Task A_deleted_segment_is_reported_with_its_exact_range_and_limits_every_base_backup_before_it()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        var older = await cluster.BaseBackupAsync();
        for (var i = 0; i < 3; i++)
        {
            await cluster.Server.PsqlAsync($"insert into t values ({i})");
            await cluster.SwitchAndWaitArchivedAsync();
        }
        var newer = await cluster.BaseBackupAsync();
        await cluster.Server.PsqlAsync("insert into t values (99)");
        await cluster.SwitchAndWaitArchivedAsync();

        var healthy = await cluster.CliAsync("wal", "check", "--json");
        Assert.Equal(0, healthy.ExitCode);
        Assert.Equal(0, (await cluster.CliAsync("check")).ExitCode);

        // The newer backup's first segment goes missing.
        var systemId = newer.SystemIdentifier;
        var lost = newer.StartSegment;
        File.Delete(Path.Combine(cluster.Repository, "wal", $"{systemId}-{lost}"));

        var check = await cluster.CliAsync("wal", "check", "--json");
        Assert.Equal(4, check.ExitCode);
        using var report = JsonDocument.Parse(check.Stdout);
        var timeline = report.RootElement.GetProperty("timelines")[0];
        Assert.Equal([$"{lost}..{lost}"], timeline.GetProperty("missing").EnumerateArray().Select(e => e.GetString()));
        var backups = report.RootElement.GetProperty("baseBackups").EnumerateArray().ToDictionary(b => b.GetProperty("snapshot").GetString()!);
        Assert.False(backups[newer.Snapshot].GetProperty("restorable").GetBoolean());
        Assert.Equal([$"{lost}..{lost}"], backups[newer.Snapshot].GetProperty("missing").EnumerateArray().Select(e => e.GetString()));
        var before = backups[older.Snapshot];
        Assert.True(before.GetProperty("restorable").GetBoolean());
        Assert.True(string.CompareOrdinal(before.GetProperty("reachableUntilSegment").GetString(), lost) < 0);
        var text = await cluster.CliAsync("wal", "check");
        Assert.Contains($"missing {lost}..{lost}", text.Stdout);
        Assert.Contains("NOT restorable", text.Stdout);
        var fullCheck = await cluster.CliAsync("check");
        Assert.Equal(4, fullCheck.ExitCode);
        Assert.Contains($"missing {lost}..{lost}", fullCheck.Stdout);

        // A target past the gap is refused before anything is written.
        var directory = Path.Combine(cluster.Root, "restore-gap");
        var refused = await cluster.CliAsync("restore", "postgres", older.Snapshot[..12], "--physical", "--target-dir", directory,
            "--to-time", DateTimeOffset.UtcNow.ToString("O"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot reach", refused.Stderr);
        Assert.False(Directory.Exists(directory));
        var unrestorable = await cluster.CliAsync("restore", "postgres", newer.Snapshot[..12], "--physical", "--target-dir", directory);
        Assert.Equal(1, unrestorable.ExitCode);
        Assert.Contains($"{lost}..{lost}", unrestorable.Stderr);
        Assert.False(Directory.Exists(directory));
    }
}
