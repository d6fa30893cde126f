using System.CommandLine;
using System.CommandLine.Parsing;
using Lifeboat.Plan;

namespace Lifeboat.Cli;

/// <summary>--plan FILE, and finding the plan when it is not given: $LIFEBOAT_PLAN, then ./lifeboat.yaml.</summary>
public static class PlanOption
{
    /// <summary>Creates the option (one instance per command).</summary>
    public static Option<string?> Create() => new("--plan")
    {
        Description = $"The plan file (default: ${PlanLoader.PlanVariable}, then ./{PlanLoader.DefaultFileName})",
    };

    /// <summary>The plan file's path; throws <see cref="UsageException"/> when none is given or found.</summary>
    public static string Locate(ParseResult parse, Option<string?> option) =>
        PlanLoader.Locate(parse.GetValue(option))
        ?? throw new UsageException($"no plan: pass --plan FILE, set {PlanLoader.PlanVariable}, or run in a directory holding {PlanLoader.DefaultFileName} (examples/quickstart has one to copy)");

    /// <summary>Loads and validates the plan; invalid plans throw <see cref="PlanInvalidException"/> (exit code 2).</summary>
    public static BackupPlan Load(ParseResult parse, Option<string?> option) => PlanLoader.Load(Locate(parse, option), PlanKinds.Create());

    /// <summary>
    /// Whether the parser took a component name for a subcommand: the command line gave <c>--plan</c> to a command
    /// (<c>backup --plan FILE redis</c>) and then a word that is also the name of one of its subcommands (the source
    /// kinds). After <c>--plan</c>, arguments are component names, always; the caller parses again without the subcommands.
    /// </summary>
    public static bool ParsedComponentAsSubcommand(ParseResult parse) =>
        parse.CommandResult.Parent is CommandResult parent
        && !parse.CommandResult.Command.Options.Any(o => o.Name == "--plan")
        && parent.Children.OfType<OptionResult>().Any(o => o.Option.Name == "--plan" && !o.Implicit);
}
