using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Backup;
using Lifeboat.Sources;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>What every <c>lifeboat backup KIND</c> subcommand shares: the common options and the run itself.</summary>
public static class SourceBackup
{
    /// <summary>--component: the name recorded in the snapshot (defaults to the source kind).</summary>
    public static Option<string?> ComponentOption() => new("--component") { Description = "Component name recorded in the snapshot (default: the source kind)" };

    /// <summary>--tag.</summary>
    public static Option<string[]> TagOption() => new("--tag") { Description = "Tag the snapshot (repeatable)" };

    /// <summary>--host.</summary>
    public static Option<string?> HostOption() => new("--host") { Description = "Host name to record (default: this machine's)" };

    /// <summary>Adds the common options to a subcommand.</summary>
    public static void AddCommonOptions(Command command)
    {
        command.Options.Add(Component);
        command.Options.Add(Tags);
        command.Options.Add(Host);
    }

    private static readonly Option<string?> Component = ComponentOption();
    private static readonly Option<string[]> Tags = TagOption();
    private static readonly Option<string?> Host = HostOption();

    /// <summary>The component name given on the command line, or <paramref name="fallback"/>.</summary>
    public static string ComponentName(CommandContext context, string fallback) => context.Parse.GetValue(Component) ?? fallback;

    /// <summary>Opens the repository, backs up <paramref name="source"/>, and reports; returns the exit code.</summary>
    public static async Task<int> RunAsync(CommandContext context, ISource source, CancellationToken cancellationToken)
    {
        var options = new SourceBackupOptions
        {
            Component = context.Parse.GetValue(Component) ?? source.Kind,
            Tags = context.Parse.GetValue(Tags) ?? [],
            Host = context.Parse.GetValue(Host) ?? Environment.MachineName,
            BeforeCommit = context.EnsureLockHeldAsync,
        };
        var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, cancellationToken);
        var progress = new BackupProgress();
        var stopwatch = Stopwatch.StartNew();
        var result = await ProgressDisplay.RunAsync(context.ShowProgress, $"backup {source.Kind}",
            () => new SourceArchiver(repository, TimeProvider.System).RunAsync(source, options, progress, context.Token),
            () => new ProgressDisplay.Sample($"{Size.Format(progress.NewBytes)} new", progress.BytesRead, 0));
        var summary = result.Snapshot.Summary!;
        if (context.Json)
        {
            CommandContext.WriteJson(new { snapshot = result.Id.ToString(), component = options.Component, source = result.Snapshot.Source, summary });
        }
        else
        {
            Console.WriteLine($"snapshot {result.Id.Short} saved: {options.Component} ({source.Kind}), {Size.Format(summary.BytesRead)} read, {Size.Format(summary.NewBytes)} new, {Size.Format(summary.StoredBytes)} stored");
            Console.WriteLine($"  {stopwatch.Elapsed.TotalSeconds:0.00} s, {Size.Rate(summary.BytesRead, stopwatch.Elapsed)}");
        }
        return ExitCodes.Success;
    }
}
