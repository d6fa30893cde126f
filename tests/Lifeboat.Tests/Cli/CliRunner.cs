using System.Diagnostics;

namespace Lifeboat.Tests.Cli;

/// <summary>Runs the real lifeboat CLI as a child process with no terminal, as scripts and CI do.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunAsync(new ProcessStartInfo("dotnet"), environment, args);

    /// <summary>Runs the CLI with the file-creation mask <paramref name="umask"/> (octal, as the shell's umask takes it).</summary>
    public static Task<Result> RunUnderUmaskAsync(string umask, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"umask {umask} && exec dotnet \"$@\"");
        start.ArgumentList.Add("sh");
        return RunAsync(start, environment, args);
    }

    private static async Task<Result> RunAsync(ProcessStartInfo start, IReadOnlyDictionary<string, string?> environment, string[] args)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.ArgumentList.Add(typeof(Lifeboat.Cli.Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        start.Environment.Remove("LIFEBOAT_REPOSITORY");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
