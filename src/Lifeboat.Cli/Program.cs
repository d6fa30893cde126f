using System.CommandLine;
using Lifeboat.Cli.Commands;
using Lifeboat.Cli.Commands.Serve;

namespace Lifeboat.Cli;

/// <summary>The <c>lifeboat</c> command line.</summary>
public static class Program
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build() => Build(planComponents: false);

    // With planComponents, 'backup' has no source subcommands, so after --plan every argument is a component name.
    private static RootCommand Build(bool planComponents)
    {
        var root = new RootCommand("Lifeboat: encrypted, deduplicated backups with restores that are proven")
        {
            GlobalOptions.Repo, GlobalOptions.PasswordFile, GlobalOptions.Json, GlobalOptions.Quiet,
            InitCommand.Create(), BackupCommand.Create(sources: !planComponents), SnapshotsCommand.Create(), LsCommand.Create(),
            RestoreCommand.Create(), CheckCommand.Create(), KeyCommand.Create(), RepairCommand.Create(), UnlockCommand.Create(),
            ForgetCommand.Create(), PruneCommand.Create(), CopyCommand.Create(), DemoCommand.Create(), WalCommand.Create(),
            ServeCommand.Create(), AlertsCommand.Create(), PlanCommand.Create(), StatusCommand.Create(),
        };
        return root;
    }

    /// <summary>Runs the command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    // Not async itself: a push that its spool marker finishes returns before any type of the command line is loaded.
    public static int Main(string[] args) => WalPushShortcut.TryFinish(args) ? ExitCodes.Success : RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        // 'backup --plan FILE redis' names the component 'redis', not the ad-hoc 'backup redis' against a default URL.
        if (PlanOption.ParsedComponentAsSubcommand(parse))
        {
            parse = Build(planComponents: true).Parse(args);
        }
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"lifeboat: {error.Message}");
            }
            await Console.Error.WriteLineAsync("run 'lifeboat --help' for usage");
            return ExitCodes.Usage;
        }
        // The daemon and the WAL receiver handle SIGTERM themselves: their stops take longer than the command line's default two seconds.
        var ownSignals = ServeCommand.HandlesSignals(parse) || WalReceiveCommand.HandlesSignals(parse);
        var code = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = ownSignals ? null : TimeSpan.FromSeconds(2) });
        if (Environment.GetEnvironmentVariable("LIFEBOAT_DEBUG_MEMORY") == "1")
        {
            await MemoryReport.WriteAsync(Console.Error);
        }
        return code;
    }
}
