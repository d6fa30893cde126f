using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Server;

/// <summary>The real <c>lifeboat serve</c> process, stopped by SIGTERM in the middle of a backup.</summary>
public sealed partial class ServeProcessTests : IDisposable
{
    private const string Password = "serve test password";
    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, string?> _env;

    public ServeProcessTests()
    {
        _env = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = _directory["repo"], ["LIFEBOAT_PASSWORD"] = Password };
    }

    public void Dispose() => _directory.Dispose();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private const int SigTerm = 15;

    [Fact]
    public async Task Sigterm_in_the_middle_of_a_backup_cancels_it_after_the_grace_period_and_leaves_only_complete_snapshots()
    {
        var quick = TestData.Random(300_000, seed: 1);
        await File.WriteAllBytesAsync(_directory["quick.bin"], quick);
        var (exit, log) = await ServeUntilSigtermAsync("1s", $"[\"sh\", \"-c\", \"head -c 3000000 /dev/urandom; exec sleep 120\"]");

        Assert.Equal(0, exit);
        Assert.Contains("slow: run cancelled by shutdown; nothing was committed by it", log);
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "check", "--read-data")).ExitCode);
        Assert.Equal(["quick"], await SnapshotComponentsAsync());
        Assert.Equal(quick, await RestoreAsync("quick"));
    }

    [Fact]
    public async Task Sigterm_lets_a_backup_finish_within_the_grace_period_and_commits_it()
    {
        var quick = TestData.Random(300_000, seed: 2);
        var slow = TestData.Random(2_000_000, seed: 3);
        await File.WriteAllBytesAsync(_directory["quick.bin"], quick);
        await File.WriteAllBytesAsync(_directory["slow.bin"], slow);
        var (exit, log) = await ServeUntilSigtermAsync("2m", $"[\"sh\", \"-c\", \"sleep 8; cat '{_directory["slow.bin"]}'\"]");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("cancelled by shutdown", log);
        // The signal came while the slow backup was running; it finished afterwards, within the grace period.
        Assert.True(log.IndexOf("SIGTERM", StringComparison.Ordinal) < log.IndexOf("slow: backed up", StringComparison.Ordinal), log);
        Assert.True(log.IndexOf("SIGTERM", StringComparison.Ordinal) >= 0, log);
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "check", "--read-data")).ExitCode);
        Assert.Equal(["quick", "slow"], await SnapshotComponentsAsync());
        Assert.Equal(quick, await RestoreAsync("quick"));
        Assert.Equal(slow, await RestoreAsync("slow"));
    }

    /// <summary>
    /// Starts the daemon with a plan of two components that have never been backed up (so both run at once), waits
    /// until "quick" is saved and "slow" has started, sends SIGTERM, and returns the exit code and the log.
    /// </summary>
    private async Task<(int Exit, string Log)> ServeUntilSigtermAsync(string grace, string slowCommand)
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "init")).ExitCode);
        var plan = _directory["lifeboat.yaml"];
        await File.WriteAllTextAsync(plan, $"""
            version: 1
            repositories:
              main:
                location: {_directory["repo"]}
                password-env: SERVE_TEST_PASSWORD
            components:
              quick:
                kind: command
                repository: main
                command: ["cat", "{_directory["quick.bin"]}"]
                schedule:
                  cron: "0 2 * * *"
                rpo: 25h
              slow:
                kind: command
                repository: main
                command: {slowCommand}
                schedule:
                  cron: "0 3 * * *"
            """);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "serve", "--plan", plan, "--listen", "127.0.0.1:0", "--shutdown-grace", grace })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        start.Environment["SERVE_TEST_PASSWORD"] = Password;
        using var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
            }
        });
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!(lines.Any(l => l.Contains("quick: backed up", StringComparison.Ordinal)) && lines.Any(l => l.Contains("slow: run for", StringComparison.Ordinal))))
            {
                Assert.False(process.HasExited, $"serve exited early: {string.Join('\n', lines)}");
                Assert.True(DateTime.UtcNow < deadline, $"the runs did not start: {string.Join('\n', lines)}");
                await Task.Delay(50);
            }
            // The slow backup is now reading its source.
            await Task.Delay(500);
            Assert.False(process.HasExited);
            Assert.Equal(0, Kill(process.Id, SigTerm));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            await stderr;
            await stdout;
            return (process.ExitCode, string.Join('\n', lines));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private async Task<List<string>> SnapshotComponentsAsync()
    {
        var result = await CliRunner.RunAsync(_env, "snapshots", "--json");
        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.EnumerateArray().Select(s => s.GetProperty("snapshot").GetProperty("component").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<byte[]> RestoreAsync(string component)
    {
        var target = _directory[$"restored-{component}"];
        var result = await CliRunner.RunAsync(_env, "restore", "command", "latest", "--component", component, "--target", target);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return await File.ReadAllBytesAsync(target);
    }
}
