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
    private const int SigTerm = 15;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [Fact]
    public async Task Sigterm_in_the_middle_of_a_backup_cancels_it_after_the_grace_period_and_leaves_only_complete_snapshots()
    {
        var (quick, _) = await WriteSourcesAsync(300_000, seed: 1);
        var (exit, log) = await ServeUntilSigtermAsync(TwoRepositoriesPlan("[\"sh\", \"-c\", \"head -c 3000000 /dev/urandom; exec sleep 120\"]"), "1s");

        Assert.Equal(0, exit);
        Assert.Contains("slow: run cancelled by shutdown; nothing was committed by it", log);
        Assert.Equal(["quick"], await CheckedSnapshotComponentsAsync("main"));
        Assert.Empty(await CheckedSnapshotComponentsAsync("other"));
        Assert.Equal(quick, await RestoreAsync("main", "quick"));
    }

    [Fact]
    public async Task Sigterm_lets_a_backup_finish_within_the_grace_period_and_commits_it()
    {
        var (quick, slow) = await WriteSourcesAsync(2_000_000, seed: 2);
        // The slow source waits for a file the test creates only after it sent SIGTERM.
        var slowCommand = $"[\"sh\", \"-c\", \"while [ ! -e '{_directory["go"]}' ]; do sleep 0.1; done; cat '{_directory["slow.bin"]}'\"]";
        var (exit, log) = await ServeUntilSigtermAsync(TwoRepositoriesPlan(slowCommand), "2m");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("cancelled by shutdown", log);
        Assert.True(log.IndexOf("SIGTERM", StringComparison.Ordinal) >= 0, log);
        Assert.True(log.IndexOf("SIGTERM", StringComparison.Ordinal) < log.IndexOf("slow: backed up", StringComparison.Ordinal), log);
        Assert.Equal(["quick"], await CheckedSnapshotComponentsAsync("main"));
        Assert.Equal(["slow"], await CheckedSnapshotComponentsAsync("other"));
        Assert.Equal(quick, await RestoreAsync("main", "quick"));
        Assert.Equal(slow, await RestoreAsync("other", "slow"));
    }

    [Fact]
    public async Task Components_sharing_a_repository_take_turns_so_retention_never_fails_on_the_other_backups_lock()
    {
        var (first, second) = await WriteSourcesAsync(500_000, seed: 4);
        // Both are due at start; "slow" is still reading when "quick" would apply its retention.
        var plan = SharedRepositoryPlan($"[\"sh\", \"-c\", \"sleep 2; cat '{_directory["slow.bin"]}'\"]");
        var (exit, log) = await ServeUntilSigtermAsync(plan, "2m", waitFor: ["quick: backed up", "slow: backed up"]);

        Assert.Equal(0, exit);
        Assert.DoesNotContain("failed", log);
        Assert.Equal(["quick", "slow"], await CheckedSnapshotComponentsAsync("main"));
        Assert.Equal(first, await RestoreAsync("main", "quick"));
        Assert.Equal(second, await RestoreAsync("main", "slow"));
    }

    /// <summary>Writes quick.bin (300 kB) and slow.bin (<paramref name="slowLength"/> bytes) of random content.</summary>
    private async Task<(byte[] Quick, byte[] Slow)> WriteSourcesAsync(int slowLength, int seed)
    {
        var quick = TestData.Random(300_000, seed);
        var slow = TestData.Random(slowLength, seed + 1000);
        await File.WriteAllBytesAsync(_directory["quick.bin"], quick);
        await File.WriteAllBytesAsync(_directory["slow.bin"], slow);
        return (quick, slow);
    }

    private string Repository(string name) => _directory[$"repo-{name}"];

    private string TwoRepositoriesPlan(string slowCommand) => $"""
        version: 1
        repositories:
          main:
            location: {Repository("main")}
            password-env: SERVE_TEST_PASSWORD
          other:
            location: {Repository("other")}
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
            repository: other
            command: {slowCommand}
            schedule:
              cron: "0 3 * * *"
        """;

    private string SharedRepositoryPlan(string slowCommand) => $"""
        version: 1
        repositories:
          main:
            location: {Repository("main")}
            password-env: SERVE_TEST_PASSWORD
        components:
          quick:
            kind: command
            repository: main
            command: ["cat", "{_directory["quick.bin"]}"]
            schedule:
              cron: "0 2 * * *"
            retention:
              keep-last: 2
          slow:
            kind: command
            repository: main
            command: {slowCommand}
            schedule:
              cron: "0 3 * * *"
            retention:
              keep-last: 2
        """;

    /// <summary>
    /// Creates the plan's repositories, starts the daemon (its components have never been backed up, so they run at
    /// once), waits until the log shows <paramref name="waitFor"/> (default: "quick" saved and "slow" started), sends
    /// SIGTERM, and returns the exit code and the log.
    /// </summary>
    private async Task<(int Exit, string Log)> ServeUntilSigtermAsync(string planText, string grace, string[]? waitFor = null)
    {
        waitFor ??= ["quick: backed up", "slow: run for"];
        var plan = _directory["lifeboat.yaml"];
        await File.WriteAllTextAsync(plan, planText);
        var init = await CliRunner.RunAsync(new Dictionary<string, string?> { ["SERVE_TEST_PASSWORD"] = Password }, "plan", "init", "--plan", plan);
        Assert.True(init.ExitCode == 0, init.Stderr);
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
            while (!waitFor.All(w => lines.Any(l => l.Contains(w, StringComparison.Ordinal))))
            {
                Assert.False(process.HasExited, $"serve exited early: {string.Join('\n', lines)}");
                Assert.True(DateTime.UtcNow < deadline, $"the runs did not get that far: {string.Join('\n', lines)}");
                await Task.Delay(50);
            }
            // A started backup is now reading its source.
            await Task.Delay(500);
            Assert.False(process.HasExited);
            Assert.Equal(0, Kill(process.Id, SigTerm));
            await File.WriteAllTextAsync(_directory["go"], "");
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

    private Dictionary<string, string?> Env(string repository) =>
        new() { ["LIFEBOAT_REPOSITORY"] = Repository(repository), ["LIFEBOAT_PASSWORD"] = Password };

    /// <summary>Checks the repository (every pack read) and lists the components of its snapshots.</summary>
    private async Task<List<string>> CheckedSnapshotComponentsAsync(string repository)
    {
        var check = await CliRunner.RunAsync(Env(repository), "check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        var result = await CliRunner.RunAsync(Env(repository), "snapshots", "--json");
        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.EnumerateArray().Select(s => s.GetProperty("snapshot").GetProperty("component").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<byte[]> RestoreAsync(string repository, string component)
    {
        var target = _directory[$"restored-{component}"];
        var result = await CliRunner.RunAsync(Env(repository), "restore", "command", "latest", "--component", component, "--target", target);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return await File.ReadAllBytesAsync(target);
    }
}
