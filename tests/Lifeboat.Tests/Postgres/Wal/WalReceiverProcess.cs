using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Tests.Postgres.Physical;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// A running <c>lifeboat wal receive --json</c> of an <see cref="ArchivingCluster"/> (the real CLI, as a child
/// process): the files it reports pushed, its stderr, SIGTERM, and disposal that kills it and its pg_receivewal.
/// </summary>
internal sealed class WalReceiverProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _pushed = new();
    private readonly Task<string> _stderr;
    private readonly Task _stdout;

    private WalReceiverProcess(Process process, string staging)
    {
        _process = process;
        Staging = staging;
        _stdout = PumpAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The staging folder.</summary>
    public string Staging { get; }

    /// <summary>The receiver's process ID.</summary>
    public int Id => _process.Id;

    /// <summary>The files it reported pushed, in order.</summary>
    public IReadOnlyList<string> Pushed => [.. _pushed];

    /// <summary>Starts the receiver on slot <paramref name="slot"/> with <paramref name="extra"/> options.</summary>
    public static WalReceiverProcess Start(ArchivingCluster cluster, string slot, params string[] extra)
    {
        var staging = Path.Combine(cluster.Root, "staging");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])[typeof(Lifeboat.Cli.Program).Assembly.Location, "--json", "wal", "receive", "--connection", cluster.Url, "--slot", slot, "--staging", staging, .. extra])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in cluster.Environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return new WalReceiverProcess(process, staging);
    }

    /// <summary>Waits until the receiver reports <paramref name="file"/> pushed; throws with its stderr after 2 minutes or when it exits.</summary>
    public async Task WaitPushedAsync(string file)
    {
        var clock = Stopwatch.StartNew();
        while (!_pushed.Contains(file))
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{file} was not pushed (exited: {_process.HasExited}); pushed: {string.Join(' ', _pushed)}; staging: "
                    + string.Join(' ', Directory.Exists(Staging) ? Directory.GetFiles(Staging).Select(Path.GetFileName) : []));
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGTERM and returns the exit code and stderr once it has exited (at most 2 minutes).</summary>
    public async Task<(int ExitCode, string Stderr)> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        return await ExitAsync();
    }

    /// <summary>Kills the receiver alone with SIGKILL, as a crash would; its pg_receivewal lives on.</summary>
    public async Task KillAloneAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for it to exit on its own (at most 2 minutes); returns its exit code and stderr.</summary>
    public async Task<(int ExitCode, string Stderr)> ExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        await _stdout;
        return (_process.ExitCode, await _stderr);
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            _pushed.Enqueue(json.RootElement.GetProperty("file").GetString()!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
