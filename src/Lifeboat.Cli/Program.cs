using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Lifeboat.Cli.Commands;
using Lifeboat.Cli.Commands.Serve;

namespace Lifeboat.Cli;

/// <summary>The <c>lifeboat</c> command line.</summary>
public static class Program
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static Command Build() => Build(planComponents: false);

    // With planComponents, 'backup' has no source subcommands, so after --plan every argument is a component name.
    private static Command Build(bool planComponents)
    {
        // Not a RootCommand: that takes its name from the executable ("Lifeboat.Cli"), while every message and the docs
        // say "lifeboat", whatever the program file is called (the launcher, 'dotnet Lifeboat.Cli.dll', an app host).
        var root = new Command("lifeboat", "Lifeboat: encrypted, deduplicated backups with restores that are proven")
        {
            new HelpOption(), new VersionOption(), GlobalOptions.Repo, GlobalOptions.PasswordFile, GlobalOptions.Json, GlobalOptions.Quiet,
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
        var errors = parse.Errors.Select(e => e.Message)
            .Concat(StrayOptions.Find(parse).Select(o => $"Unrecognized option '{o}' (an argument that starts with '-' goes after '--', or write ./{o} for a path)"))
            .ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"lifeboat: {error}");
            }
            await Console.Error.WriteLineAsync($"run '{string.Join(' ', CommandPath(parse.CommandResult))} --help' for usage");
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

    // "lifeboat wal push": the words that name the command, so the hint shows that command's help, not the root's.
    private static IEnumerable<string> CommandPath(CommandResult? command) =>
        command is null ? [] : [.. CommandPath(command.Parent as CommandResult), command.Command.Name];
}
