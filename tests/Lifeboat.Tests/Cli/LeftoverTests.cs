using System.Diagnostics;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// What killed and failed backups leave behind (partial objects, unindexed packs): check names it, prune deletes what no
/// writer can still use, and the next backup and restore work, chained as a recovery chains them.
/// </summary>
public sealed class LeftoverTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env() => new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "leftovers" };

    [Fact]
    public async Task A_killed_backups_partial_pack_is_named_by_check_kept_while_young_and_deleted_by_prune_once_abandoned()
    {
        var source = _temp["source"];
        for (var i = 0; i < 40; i++)
        {
            TestData.Write(Path.Combine(source, $"f{i}.bin"), TestData.Random(1_000_000, i));
        }
        Assert.Equal(0, (await CliRunner.RunAsync(Env(), "init")).ExitCode);

        // Kill -9 the backup once it is writing a pack into a temporary file.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "backup", source })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LIFEBOAT_REPOSITORY"] = _temp["repo"];
        start.Environment["LIFEBOAT_PASSWORD"] = "leftovers";
        using (var process = Process.Start(start)!)
        {
            var data = Path.Combine(_temp["repo"], "data");
            while (!process.HasExited && !Directory.EnumerateFiles(data, ".tmp-*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0))
            {
                await Task.Yield();
            }
            Assert.False(process.HasExited, "the backup finished before it could be killed");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        var partials = Directory.EnumerateFiles(_temp["repo"], ".tmp-*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(partials);

        var check = await CliRunner.RunAsync(Env(), "check");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("partial objects", check.Stdout + check.Stderr);
        Assert.Contains("lifeboat prune", check.Stdout + check.Stderr);

        // Written to a moment ago: a writer may still be using them, so prune keeps them and says so.
        var young = await CliRunner.RunAsync(Env(), "prune");
        Assert.True(young.ExitCode == 0, young.Stderr);
        Assert.Contains($"kept {partials.Count} partial objects", young.Stdout);
        Assert.All(partials, p => Assert.True(File.Exists(p)));

        // Not written to for longer than a lock takes to go stale: abandoned, deleted.
        foreach (var partial in partials)
        {
            File.SetLastWriteTimeUtc(partial, DateTime.UtcNow.AddMinutes(-31));
        }
        var old = await CliRunner.RunAsync(Env(), "prune");
        Assert.True(old.ExitCode == 0, old.Stderr);
        Assert.Contains($"deleted {partials.Count} partial objects", old.Stdout);
        Assert.Empty(Directory.EnumerateFiles(_temp["repo"], ".tmp-*", SearchOption.AllDirectories));
        var clean = await CliRunner.RunAsync(Env(), "check");
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.DoesNotContain("partial objects", clean.Stdout + clean.Stderr);
        Assert.DoesNotContain("in no index", clean.Stdout + clean.Stderr);

        Assert.Equal(0, (await CliRunner.RunAsync(Env(), "backup", source)).ExitCode);
        var restore = await CliRunner.RunAsync(Env(), "restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(source, _temp["restore"] + source));
    }

    [Fact]
    public async Task After_a_backup_fails_on_a_full_disk_the_message_points_to_prune_and_prune_frees_the_space()
    {
        var disk = Directory.CreateDirectory(_temp["disk"]).FullName;
        using (var mounting = Process.Start("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", disk])!)
        {
            await mounting.WaitForExitAsync();
            Assert.True(mounting.ExitCode == 0, "this test needs root to mount a 24 MiB tmpfs");
        }
        try
        {
            var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = Path.Combine(disk, "repo"), ["LIFEBOAT_PASSWORD"] = "leftovers" };
            var source = _temp["source"];
            for (var i = 0; i < 40; i++)
            {
                TestData.Write(Path.Combine(source, $"f{i}.bin"), TestData.Random(1_000_000, i));
            }
            Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);
            var full = await CliRunner.RunAsync(env, "backup", source);
            Assert.True(full.ExitCode == 1, full.Stdout + full.Stderr);
            Assert.Contains("No space left", full.Stderr);
            Assert.Contains("lifeboat prune", full.Stderr);
            Assert.DoesNotContain("repair index", full.Stderr);
            var usedAfterFailure = UsedBytes(disk);
            Assert.True(usedAfterFailure > 8 << 20, $"only {usedAfterFailure} bytes used after the failed backup");

            var prune = await CliRunner.RunAsync(env, "prune");
            Assert.True(prune.ExitCode == 0, prune.Stdout + prune.Stderr);
            Assert.True(UsedBytes(disk) < 1 << 20, $"{UsedBytes(disk)} bytes still used after prune: {prune.Stdout}");

            // The space is back: a backup that fits now succeeds, and restores.
            var small = Path.Combine(_temp.Path, "small");
            TestData.Write(Path.Combine(small, "a.bin"), TestData.Random(4_000_000, 7));
            var backup = await CliRunner.RunAsync(env, "backup", small);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            Assert.Equal(0, (await CliRunner.RunAsync(env, "restore", "latest", "--target", _temp["restore"])).ExitCode);
            Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(small, _temp["restore"] + small));
        }
        finally
        {
            using var unmounting = Process.Start("umount", ["-l", disk])!;
            await unmounting.WaitForExitAsync();
        }
    }

    private static long UsedBytes(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
