namespace Lifeboat.Sources;

/// <summary>
/// Any program's output as a source: its stdout, or, when an argument holds <c>{file}</c>, the file the program writes
/// there (for tools such as <c>etcdctl snapshot save</c> that cannot write to a pipe). A non-zero exit or empty output
/// fails the backup with the program's stderr in the message. It runs in <c>workingDirectory</c> when one is given
/// (a plan runs commands in the plan file's directory).
/// </summary>
/// <param name="command">The program and its arguments.</param>
/// <param name="streamName">The output's file name in the snapshot.</param>
/// <param name="workingDirectory">Where the program runs (default: the current directory).</param>
/// <param name="timeout">How long the program may run; past it, it is killed and the backup fails (default: no limit).</param>
public sealed class CommandSource(IReadOnlyList<string> command, string streamName, string? workingDirectory = null, TimeSpan? timeout = null) : ISource
{
    /// <summary>The placeholder replaced by the path of a private temporary file.</summary>
    public const string FilePlaceholder = "{file}";

    /// <inheritdoc/>
    public string Kind => "command";

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => ["command:" + string.Join(' ', command)];

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        if (command.Count == 0)
        {
            throw new ArgumentException("name the command to run after '--'");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }
        try
        {
            return await RunAsync(sink, deadline.Token);
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A program that hangs (a dead endpoint, a lock) must not hold the schedule forever: it was killed.
            throw new TimeoutException($"{command[0]} did not finish within {timeout}; it was stopped and nothing was recorded", e);
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> RunAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        var writesFile = command.Any(a => a.Contains(FilePlaceholder, StringComparison.Ordinal));
        StreamedFile stored;
        if (writesFile)
        {
            var folder = Directory.CreateTempSubdirectory("lifeboat-command-");
            try
            {
                var output = Path.Combine(folder.FullName, streamName);
                await using (var child = ChildProcess.Start(command[0], command.Skip(1).Select(a => a.Replace(FilePlaceholder, output, StringComparison.Ordinal)), readStdout: false,
                    workingDirectory: workingDirectory))
                {
                    await using var stop = cancellationToken.Register(child.Kill);
                    await child.EnsureSuccessAsync(cancellationToken);
                }
                if (!File.Exists(output))
                {
                    throw new IOException($"{command[0]} exited with code 0 but wrote nothing to {FilePlaceholder}");
                }
                await using var file = File.OpenRead(output);
                stored = await sink.AddAsync(streamName, file, cancellationToken);
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }
        else
        {
            await using var child = ChildProcess.Start(command[0], command.Skip(1), workingDirectory: workingDirectory);
            // Killing the program ends its stdout, which also unblocks the pipeline's reader.
            await using var stop = cancellationToken.Register(child.Kill);
            stored = await sink.AddAsync(streamName, child.Stdout, cancellationToken);
            await child.EnsureSuccessAsync(cancellationToken);
        }
        if (stored.Size == 0)
        {
            throw new IOException($"{command[0]} produced no output; an empty backup is refused");
        }
        return new Dictionary<string, string>
        {
            ["command"] = string.Join(' ', command),
            ["stream"] = streamName,
            ["bytes"] = stored.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
