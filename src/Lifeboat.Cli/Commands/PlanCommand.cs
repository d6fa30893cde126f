using System.CommandLine;
using Lifeboat.Plan;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat plan validate</c>: checks a plan file and reports every mistake with its line and column;
/// <c>lifeboat plan init</c>: creates the plan's repositories that do not exist yet.
/// </summary>
public static class PlanCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create() => new("plan", "Check a plan file (lifeboat.yaml) and create its repositories") { Validate(), Init() };

    private static Command Validate()
    {
        var plan = PlanOption.Create();
        var command = new Command("validate", "Check the plan and report every error with its line, column and a hint (exit code 2 when invalid)") { plan };
        command.SetBody((context, ct) =>
        {
            var file = PlanOption.Locate(context.Parse, plan);
            if (!File.Exists(file))
            {
                throw new UsageException($"the plan file {file} does not exist; copy one from examples/ or pass --plan FILE");
            }
            var (loaded, errors) = PlanLoader.Parse(File.ReadAllText(file), file, PlanKinds.Create());
            var shown = Path.GetRelativePath(Environment.CurrentDirectory, file);
            if (context.Json)
            {
                CommandContext.WriteJson(new
                {
                    plan = file, valid = loaded is not null,
                    errors = errors.Select(e => new { line = e.Mark.Line, column = e.Mark.Column, message = e.Message, hint = e.Hint }),
                    components = loaded?.Components.Select(c => new
                    {
                        name = c.Name, kind = c.Kind, repository = c.Repository, schedule = c.Schedule?.ToString(),
                        nextRun = c.Schedule?.Next(DateTimeOffset.UtcNow), rpo = c.Rpo is { } rpo ? PlanDuration.Format(rpo) : null, dependsOn = c.DependsOn,
                    }),
                });
            }
            else if (loaded is null)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error.Format(shown));
                }
                Console.Error.WriteLine($"lifeboat: the plan has {errors.Count} error{(errors.Count == 1 ? "" : "s")}; nothing was run");
            }
            else
            {
                Console.WriteLine($"plan {shown} is valid: {Count(loaded.Repositories.Count, "repository", "repositories")}, {Count(loaded.Components.Count, "component", "components")}");
                foreach (var c in loaded.Components)
                {
                    var schedule = c.Schedule is { } s ? $"{s}, next {s.Next(DateTimeOffset.UtcNow).ToOffset(s.TimeZone.GetUtcOffset(DateTimeOffset.UtcNow)):yyyy-MM-dd HH:mm zzz}" : "no schedule";
                    var rpo = c.Rpo is { } r ? $"RPO {PlanDuration.Format(r)}" : "no RPO";
                    var after = c.DependsOn.Count > 0 ? $", after {string.Join(", ", c.DependsOn)}" : "";
                    Console.WriteLine($"  {c.Name,-20} {c.Kind,-9} → {c.Repository}  {schedule}  {rpo}{after}");
                }
            }
            return Task.FromResult(loaded is null ? ExitCodes.Usage : ExitCodes.Success);
        });
        return command;
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    private static Command Init()
    {
        var plan = PlanOption.Create();
        var command = new Command("init", "Create the plan's repositories that do not exist yet (offsite ones share their primary's chunking)") { plan };
        command.SetBody(async (context, ct) =>
        {
            var loaded = PlanOption.Load(context.Parse, plan);
            var results = await PlanInitializer.InitAsync(loaded, ct);
            if (context.Json)
            {
                CommandContext.WriteJson(results.Select(r => new { repository = r.Name, location = loaded.Repositories[r.Name].Location, created = r.Created }));
            }
            else
            {
                foreach (var (name, created) in results)
                {
                    Console.WriteLine($"{(created ? "created" : "exists ")}  {name}  {loaded.Repositories[name].Location}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
