using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Backup;
using Lifeboat.Cli.Commands.Sources;
using Lifeboat.Plan;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat backup PATH...</c>: backs up files and directories into a new snapshot.
/// <c>lifeboat backup --plan FILE [COMPONENT...]</c>: runs a plan's components (all when none is named).
/// <c>lifeboat backup</c> with no argument runs the plan found in $LIFEBOAT_PLAN or ./lifeboat.yaml. Arguments are
/// component names only with an explicit --plan, so a path argument never silently becomes a plan run.
/// </summary>
public static class BackupCommand
{
    /// <summary>
    /// Builds the command; with <paramref name="sources"/> false it has no source subcommands (<c>backup redis</c>,
    /// …), which is how a command line with <c>--plan</c> is parsed when a component is named like a kind.
    /// </summary>
    public static Command Create(bool sources = true)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files and directories to back up; with --plan, the components to run (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var plan = PlanOption.Create();
        plan.Description = "Run this plan's components instead of backing up paths (without paths or --plan: $LIFEBOAT_PLAN or ./lifeboat.yaml)";
        var parallel = new Option<int>("--parallel") { Description = "With a plan: how many independent components back up at once", DefaultValueFactory = _ => 2 };
        var tags = new Option<string[]>("--tag") { Description = "Tag the snapshot (repeatable)", AllowMultipleArgumentsPerToken = false };
        var excludes = new Option<string[]>("--exclude", "-e") { Description = "Leave out paths matching a glob (repeatable; * ** ?)" };
        var excludeFile = new Option<string?>("--exclude-file") { Description = "Read exclude patterns from a file, one per line" };
        var host = new Option<string?>("--host") { Description = "Host name to record (default: this machine's)" };
        var force = new Option<bool>("--force") { Description = "Read every file again, ignoring the parent snapshot" };
        var command = new Command("backup", "Back up files and directories into a new snapshot (or a source: see the subcommands)")
        {
            paths, tags, excludes, excludeFile, host, force, plan, parallel,
        };
        foreach (var source in sources ? SourceCommands.Backups() : Enumerable.Empty<Command>())
        {
            command.Subcommands.Add(source);
        }
        command.SetBody(async (context, ct) =>
        {
            var arguments = context.Parse.GetValue(paths) ?? [];
            if (context.Parse.GetValue(plan) is not null || arguments.Length == 0)
            {
                if (context.Parse.GetValue(plan) is null && PlanLoader.Locate(null) is null)
                {
                    throw new UsageException($"name the files and directories to back up, or run a plan with --plan FILE (or from a directory holding {PlanLoader.DefaultFileName})");
                }
                if (context.Parse.GetValue(GlobalOptions.Repo) is not null || (context.Parse.GetValue(tags)?.Length ?? 0) > 0 || (context.Parse.GetValue(excludes)?.Length ?? 0) > 0
                    || context.Parse.GetValue(excludeFile) is not null || context.Parse.GetValue(host) is not null)
                {
                    throw new UsageException("--repo, --tag, --exclude, --exclude-file and --host do not apply to a plan run: set repository, tags, excludes and host in the plan");
                }
                return await PlanBackup.RunAsync(context, PlanOption.Load(context.Parse, plan), arguments, context.Parse.GetValue(parallel), ct);
            }
            var patterns = (context.Parse.GetValue(excludes) ?? []).ToList();
            if (context.Parse.GetValue(excludeFile) is { } file)
            {
                patterns.AddRange(File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }
            var options = new BackupOptions
            {
                Paths = arguments,
                Tags = context.Parse.GetValue(tags) ?? [],
                Excludes = patterns,
                Host = context.Parse.GetValue(host) ?? Environment.MachineName,
                Force = context.Parse.GetValue(force),
                BeforeCommit = context.EnsureLockHeldAsync,
            };
            var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, ct);
            ct = context.Token;
            var progress = new BackupProgress();
            var stopwatch = Stopwatch.StartNew();
            if (context.ShowProgress)
            {
                _ = Task.Run(() => SourceScanner.Scan(options.Paths, new ExcludeMatcher(patterns), progress, ct), ct);
            }
            var result = await ProgressDisplay.RunAsync(context.ShowProgress, "backup",
                () => new Archiver(repository, TimeProvider.System).RunAsync(options, progress, ct),
                () => new ProgressDisplay.Sample($"{progress.FilesSeen} files, {Size.Format(progress.NewBytes)} new", progress.BytesRead,
                    progress.BytesTotal > 0 ? progress.BytesTotal : 0));
            Report(context, result, stopwatch.Elapsed);
            return result.Errors.Count == 0 ? ExitCodes.Success : ExitCodes.Incomplete;
        });
        return command;
    }

    private static void Report(CommandContext context, BackupResult result, TimeSpan elapsed)
    {
        var summary = result.Snapshot.Summary!;
        if (context.Json)
        {
            CommandContext.WriteJson(new { snapshot = result.Id.ToString(), summary, errors = result.Errors, warnings = result.Warnings });
            return;
        }
        foreach (var error in result.Errors)
        {
            Console.Error.WriteLine($"lifeboat: left out {error}");
        }
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"lifeboat: warning: {warning}");
        }
        Console.WriteLine($"snapshot {result.Id.Short} saved: {summary.Files} files, {summary.Directories} directories, {Size.Format(summary.TotalBytes)}");
        Console.WriteLine($"  read {summary.FilesRead} files ({Size.Format(summary.BytesRead)}), {Size.Format(summary.NewBytes)} new, {Size.Format(summary.StoredBytes)} stored");
        Console.WriteLine($"  {elapsed.TotalSeconds:0.00} s, {Size.Rate(summary.BytesRead, elapsed)}");
        if (result.Errors.Count > 0)
        {
            Console.Error.WriteLine($"lifeboat: {result.Errors.Count} files could not be read and are not in the snapshot (exit code 3)");
        }
    }
}
