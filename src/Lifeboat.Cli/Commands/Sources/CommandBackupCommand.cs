using System.CommandLine;
using Lifeboat.Sources;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary><c>lifeboat backup command --component NAME -- PROGRAM ARGS...</c>: a program's output as a snapshot.</summary>
public static class CommandBackupCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var program = new Argument<string[]>("program") { Description = "The program and its arguments, after '--'; an argument '{file}' makes it write to a file instead of stdout", Arity = ArgumentArity.OneOrMore };
        var stream = new Option<string>("--stream") { Description = "File name of the output inside the snapshot", DefaultValueFactory = _ => "output" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds the program may run; past it, it is killed and nothing is recorded (default: no limit)" };
        var command = new Command("command", "Back up what a program prints on stdout (or writes to {file}); a non-zero exit or no output records nothing")
        {
            program, stream, timeout,
        };
        SourceBackup.AddCommonOptions(command);
        command.SetBody((context, ct) =>
        {
            var seconds = context.Parse.GetValue(timeout);
            if (seconds is <= 0)
            {
                throw new UsageException("--timeout must be a positive number of seconds");
            }
            var limit = seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            return SourceBackup.RunAsync(context, new CommandSource(context.Parse.GetValue(program) ?? [], context.Parse.GetValue(stream)!, timeout: limit), ct);
        });
        return command;
    }
}
