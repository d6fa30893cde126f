using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Restore;
using Lifeboat.Sources;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore command [SNAPSHOT] (--target FILE | -- PROGRAM ARGS...)</c>: a program's saved output, written
/// to a new file or piped into a program's stdin.
/// </summary>
public static class CommandRestoreCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var target = new Option<string?>("--target", "-t") { Description = "Write the output to this new file (never overwrites)" };
        var program = new Argument<string[]>("program") { Description = "Pipe the output into this program's stdin (after '--')", Arity = ArgumentArity.ZeroOrMore };
        var stream = new Option<string>("--stream") { Description = "File name of the output inside the snapshot", DefaultValueFactory = _ => "output" };
        var command = new Command("command", "Restore a program's saved output into a new file or another program's stdin") { target, program, stream };
        SourceRestore.AddSelection(command);
        command.SetBody(async (context, ct) =>
        {
            var file = context.Parse.GetValue(target);
            var pipeTo = context.Parse.GetValue(program) ?? [];
            if ((file is null) == (pipeTo.Length == 0))
            {
                throw new UsageException("give either --target FILE or, after '--', the program to pipe the output into");
            }
            var (repository, id, snapshot) = await SourceRestore.OpenAsync(context, "command", ct);
            var reader = new SnapshotFileReader(repository);
            var node = await reader.FindAsync(snapshot, context.Parse.GetValue(stream)!, context.Token);
            var stopwatch = Stopwatch.StartNew();
            if (file is not null)
            {
                await reader.RestoreToFileAsync(node, file, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, context.Token);
            }
            else
            {
                await using var child = ChildProcess.Start(pipeTo[0], pipeTo.Skip(1), readStdout: false, writeStdin: true);
                await reader.CopyToAsync(node, child.Stdin, context.Token);
                child.Stdin.Close();
                await child.EnsureSuccessAsync(context.Token);
            }
            var where = file is not null ? Path.GetFullPath(file) : pipeTo[0];
            if (context.Json)
            {
                CommandContext.WriteJson(new { snapshot = id.ToString(), target = where, bytes = node.Size, seconds = stopwatch.Elapsed.TotalSeconds });
            }
            else
            {
                Console.WriteLine($"restored {node.Name} of snapshot {id.Short} ({Size.Format(node.Size)}, verified) to {where} in {stopwatch.Elapsed.TotalSeconds:0.00} s");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
