using System.CommandLine;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>What every <c>lifeboat restore KIND</c> subcommand shares: picking the snapshot of that kind.</summary>
public static class SourceRestore
{
    private static readonly Argument<string> SnapshotArgument = new("snapshot") { Description = "Snapshot ID (or a unique prefix) or 'latest'" };
    private static readonly Option<string?> Component = new("--component") { Description = "With 'latest': the component whose newest snapshot to restore (default: any of this kind)" };
    private static readonly Option<string?> Host = new("--host") { Description = "With 'latest': only snapshots from this host" };

    /// <summary>Adds the snapshot argument and the selection options to a subcommand.</summary>
    public static void AddSelection(Command command)
    {
        command.Arguments.Insert(0, SnapshotArgument);
        command.Options.Add(Component);
        command.Options.Add(Host);
    }

    /// <summary>The snapshot the command line names: an ID prefix or "latest".</summary>
    public static string SnapshotName(CommandContext context) => context.Parse.GetValue(SnapshotArgument)!;

    /// <summary>The --component and --host filters for 'latest' (null when not given).</summary>
    public static (string? Component, string? Host) Filters(CommandContext context) => (context.Parse.GetValue(Component), context.Parse.GetValue(Host));

    /// <summary>
    /// Opens the repository under a shared lock with its index loaded, and finds the snapshot the command line names,
    /// which must be of <paramref name="kind"/>.
    /// </summary>
    public static async Task<(Repository.Repository Repository, Digest Id, Snapshot Snapshot)> OpenAsync(CommandContext context, string kind,
        CancellationToken cancellationToken)
    {
        var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, cancellationToken);
        var (id, snapshot) = await CommandContext.FindSnapshotAsync(repository, context.Parse.GetValue(SnapshotArgument)!,
            context.Parse.GetValue(Host), [], context.Token, context.Parse.GetValue(Component), kind);
        return (repository, id, snapshot);
    }
}
