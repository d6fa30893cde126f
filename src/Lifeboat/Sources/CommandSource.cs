namespace Lifeboat.Sources;

/// <summary>
/// Any program's output as a source: its stdout, or, when an argument holds <c>{file}</c>, the file the program writes
/// there (for tools such as <c>etcdctl snapshot save</c> that cannot write to a pipe). A non-zero exit or empty output
/// fails the backup with the program's stderr in the message. It runs in <c>workingDirectory</c> when one is given
/// (a plan runs commands in the plan file's directory).
/// </summary>
public sealed class CommandSource(IReadOnlyList<string> command, string streamName, string? workingDirectory = null) : ISource
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
