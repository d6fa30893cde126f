using System.Diagnostics;
using Lifeboat.Tests.Cli;
using static Lifeboat.Tests.Sqlite.SqliteTestDatabase;

namespace Lifeboat.Tests.Sqlite;

/// <summary>Too little space for the backup copy or the restored file: exit 1, nothing recorded, nothing replaced or left behind.</summary>
public sealed class SqliteDiskFullTests
{
    [Fact]
    public async Task A_temporary_directory_without_room_for_the_copy_fails_before_copying_and_records_nothing()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["big.db"], 8000);
        Assert.True(new FileInfo(temp["big.db"]).Length > 3 << 20);
        await using var small = await TmpfsAsync(temp["small"], "1m");

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", temp["big.db"], "--temp-dir", temp["small"]);
        var missing = await CliRunner.RunAsync(environment, "backup", "sqlite", temp["big.db"], "--temp-dir", temp["nowhere"]);

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("--temp-dir", backup.Stderr);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
        Assert.Equal(0, SnapshotCount(temp));
        Assert.Empty(Directory.GetFileSystemEntries(temp["small"]));
        Assert.False(Directory.Exists(temp["nowhere"]));
    }

    [Fact]
    public async Task A_restore_onto_a_full_disk_fails_leaving_the_live_database_untouched_and_no_partial_file()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["big.db"], 8000);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", temp["big.db"])).ExitCode);
        await using var disk = await TmpfsAsync(temp["disk"], "5m");
        var live = Path.Combine(temp["disk"], "big.db");
        File.Copy(temp["big.db"], live);
        Assert.True(new FileInfo(live).Length > 3 << 20);
        using (var connection = Open(live))
        {
            SqliteTestDatabase.Execute(connection, "DELETE FROM users WHERE id > 10");
        }
        var before = File.ReadAllBytes(live);

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", live);

        Assert.Equal(1, restore.ExitCode);
        Assert.True(restore.Stderr.Contains("free space there", StringComparison.Ordinal), restore.Stderr);
        Assert.Equal(before, File.ReadAllBytes(live));
        Assert.Equal(["big.db"], Directory.GetFileSystemEntries(temp["disk"]).Select(Path.GetFileName));
    }

    private static async Task<Mount> TmpfsAsync(string path, string size)
    {
        Directory.CreateDirectory(path);
        using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", path])!;
        await mount.WaitForExitAsync();
        Assert.True(mount.ExitCode == 0, $"this test needs root to mount a {size} tmpfs");
        return new Mount(path);
    }

    private sealed class Mount(string path) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var umount = Process.Start("umount", [path])!;
            await umount.WaitForExitAsync();
        }
    }
}
