using System.Diagnostics;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>kill -9 of a real backup process at random moments: the repository stays consistent and the next run is clean.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Killing_a_backup_at_random_moments_never_leaves_a_damaged_repository_and_the_next_backup_completes()
    {
        var source = _temp["source"];
        // Large enough that a backup takes a good second even in Release, so most kills land mid-run.
        for (var i = 0; i < 80; i++)
        {
            TestData.Write(Path.Combine(source, $"d{i % 4}", $"f{i}.bin"), i % 3 == 0 ? TestData.Text(2_000_000, i) : TestData.Random(2_000_000, i));
        }
        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "crash" };
        Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);

        var random = new Random(1234);
        var killed = 0;
        for (var round = 0; round < 6; round++)
        {
            var delay = random.Next(100, 700);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "backup", source, "--force" })
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["LIFEBOAT_REPOSITORY"] = _temp["repo"];
            start.Environment["LIFEBOAT_PASSWORD"] = "crash";
            using var process = Process.Start(start)!;
            await Task.Delay(delay);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
                killed++;
            }
            await process.WaitForExitAsync();

            var check = await CliRunner.RunAsync(env, "check", "--read-data");
            Assert.True(check.ExitCode == 0, $"round {round} after {delay} ms: {check.Stdout}{check.Stderr}");
        }
        Assert.True(killed >= 3, $"only {killed} of 6 backups were killed mid-run; the test did not exercise crashes");

        var final = await CliRunner.RunAsync(env, "backup", source);
        Assert.True(final.ExitCode == 0, final.Stderr);
        var restore = await CliRunner.RunAsync(env, "restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(source, _temp["restore"] + source));
        Assert.Equal(0, (await CliRunner.RunAsync(env, "check", "--read-data")).ExitCode);
    }

    [Fact]
    public async Task Killing_prune_at_random_moments_leaves_a_clean_repository_and_a_second_prune_finishes()
    {
        var source = _temp["source"];
        var env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = "crash" };
        Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 30; i++)
            {
                TestData.Write(Path.Combine(source, $"f{i}.bin"), TestData.Random(700_000, i % 2 == 0 ? i : round * 100 + i));
            }
            Assert.Equal(0, (await CliRunner.RunAsync(env, "backup", source)).ExitCode);
        }
        Assert.Equal(0, (await CliRunner.RunAsync(env, "forget", "--keep-last", "1")).ExitCode);

        var random = new Random(99);
        for (var round = 0; round < 4; round++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "prune", "--repack-below", "95%" })
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["LIFEBOAT_REPOSITORY"] = _temp["repo"];
            start.Environment["LIFEBOAT_PASSWORD"] = "crash";
            using var process = Process.Start(start)!;
            await Task.Delay(random.Next(200, 1200));
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            Assert.Equal(0, (await CliRunner.RunAsync(env, "unlock")).ExitCode);
            var check = await CliRunner.RunAsync(env, "check", "--read-data");
            Assert.True(check.ExitCode == 0, $"round {round}: {check.Stdout}{check.Stderr}");
        }
        var prune = await CliRunner.RunAsync(env, "prune");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        var restore = await CliRunner.RunAsync(env, "restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(source, _temp["restore"] + source));
        Assert.Equal(0, (await CliRunner.RunAsync(env, "check", "--read-data")).ExitCode);
    }
}
