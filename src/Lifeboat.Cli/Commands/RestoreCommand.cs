using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Cli.Commands.Sources;
using Lifeboat.Restore;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat restore SNAPSHOT --target DIR</c>: restores a snapshot, whole or sub-paths, verifying every file.</summary>
public static class RestoreCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var snapshot = new Argument<string>("snapshot") { Description = "Snapshot ID (or a unique prefix) or 'latest'" };
        var target = new Option<string>("--target", "-t") { Description = "Directory to restore into (snapshot paths are recreated below it)", Required = true };
        var include = new Option<string[]>("--include", "-i") { Description = "Restore only this absolute snapshot path and what is below it (repeatable)" };
        var host = new Option<string?>("--host") { Description = "With 'latest': only snapshots from this host" };
        var path = new Option<string[]>("--path") { Description = "With 'latest': only snapshots that include this path (repeatable)" };
        var component = new Option<string?>("--component") { Description = "With 'latest': only snapshots of this component" };
        var command = new Command("restore", "Restore a snapshot into a directory, verifying every file (or a source: see the subcommands)")
        {
            snapshot, target, include, host, path, component,
        };
        foreach (var source in SourceCommands.Restores())
        {
            command.Subcommands.Add(source);
        }
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, ct);
            ct = context.Token;
            var (id, found) = await CommandContext.FindSnapshotAsync(repository, context.Parse.GetValue(snapshot)!,
                context.Parse.GetValue(host), context.Parse.GetValue(path) ?? [], ct, context.Parse.GetValue(component));
            var options = new RestoreOptions { Target = context.Parse.GetValue(target)!, Includes = context.Parse.GetValue(include) ?? [] };
            var progress = new RestoreProgress();
            var stopwatch = Stopwatch.StartNew();
            var result = await ProgressDisplay.RunAsync(context.ShowProgress, "restore",
                () => new Restorer(repository).RunAsync(found, options, progress, ct),
                () => new ProgressDisplay.Sample($"{progress.FilesDone}/{progress.FilesTotal} files", progress.BytesWritten, progress.BytesTotal));
            if (context.Json)
            {
                CommandContext.WriteJson(new { snapshot = id.ToString(), target = Path.GetFullPath(options.Target), result.Files, result.FilesVerified, result.Directories, result.Bytes, seconds = stopwatch.Elapsed.TotalSeconds, errors = result.Errors });
            }
            else
            {
                foreach (var error in result.Errors)
                {
                    Console.Error.WriteLine($"lifeboat: NOT restored {error.Path}: {error.Reason}");
                }
                Console.WriteLine($"restored snapshot {id.Short} to {Path.GetFullPath(options.Target)}: {result.FilesVerified} of {result.Files} files verified, {Size.Format(result.Bytes)} in {stopwatch.Elapsed.TotalSeconds:0.00} s ({Size.Rate(result.Bytes, stopwatch.Elapsed)})");
                if (!result.Complete)
                {
                    Console.Error.WriteLine($"lifeboat: {result.Errors.Count} paths were not restored; none was left under its final name (exit code 3)");
                }
            }
            return result.Complete ? ExitCodes.Success : ExitCodes.Incomplete;
        });
        return command;
    }
}
