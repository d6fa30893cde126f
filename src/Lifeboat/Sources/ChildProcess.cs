using System.Diagnostics;
using System.Text;

namespace Lifeboat.Sources;

/// <summary>
/// A program run without a shell, its stdout read as a stream and the tail of its stderr kept for the error message.
/// Disposing kills it (and its children) if it is still running, so a cancelled backup never leaves it behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int StderrTailBytes = 8 * 1024;

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;
    private readonly string _display;

    private ChildProcess(Process process, string display)
    {
        _process = process;
        _display = display;
        _stderrPump = PumpStderrAsync();
    }

    /// <summary>The program's stdout (not redirected when started with <c>readStdout: false</c>).</summary>
    public Stream Stdout => _process.StandardOutput.BaseStream;

    /// <summary>The program's stdin, when started with <c>writeStdin: true</c>.</summary>
    public Stream Stdin => _process.StandardInput.BaseStream;

    /// <summary>The program's process ID.</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Starts <paramref name="program"/> with <paramref name="arguments"/> (no shell, no quoting). Throws
    /// <see cref="FileNotFoundException"/> with a clear message when the program is not installed.
    /// </summary>
    public static ChildProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        bool readStdout = true, bool writeStdin = false, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = readStdout,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var display = Path.GetFileName(program);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new IOException($"{display} could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException($"{display} could not be started: {e.Message}; is it installed and on PATH?", program, e);
        }
        if (!writeStdin)
        {
            // Closed at once: a program that would ask a question reads end-of-file instead of hanging.
            process.StandardInput.Close();
        }
        return new ChildProcess(process, display);
    }

    /// <summary>What the program wrote on stderr (the last 8 KiB), trimmed.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString().Trim();
            }
        }
    }

    /// <summary>Waits for the program to exit and returns its exit code, once its stderr has been read to the end.</summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await _stderrPump.WaitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>
    /// Waits for the program and throws <see cref="IOException"/> naming it, its exit code and its stderr when the exit
    /// code is not zero.
    /// </summary>
    public async Task EnsureSuccessAsync(CancellationToken cancellationToken)
    {
        var code = await WaitAsync(cancellationToken);
        if (code != 0)
        {
            var stderr = Stderr;
            throw new IOException($"{_display} exited with code {code}" + (stderr.Length > 0 ? $": {stderr}" : " and printed nothing on stderr"));
        }
    }

    /// <summary>
    /// Asks the program to stop as Ctrl-C would (SIGINT), so it can finish what it writes; <see cref="WaitAsync"/>
    /// then sees it exit. Does nothing when it has exited already.
    /// </summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            FileSystem.Posix.Interrupt(_process.Id);
        }
    }

    /// <summary>Whether the program has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Kills the program and its children now, if still running (safe to call from any thread, more than once).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already exited or reaped: nothing left to stop.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }
        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new char[4096];
        var reader = _process.StandardError;
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, read);
                if (_stderr.Length > StderrTailBytes)
                {
                    _stderr.Remove(0, _stderr.Length - StderrTailBytes);
                }
            }
        }
    }
}
