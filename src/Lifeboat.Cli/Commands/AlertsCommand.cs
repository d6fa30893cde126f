using System.CommandLine;
using System.Text;
using Lifeboat.Plan;
using Lifeboat.Server.Alerts;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat alerts render [--plan FILE] [--out FILE]</c>: Prometheus alerting rules for the plan's scheduled components.</summary>
public static class AlertsCommand
{
    /// <summary>Builds <c>alerts</c> with its <c>render</c> subcommand.</summary>
    public static Command Create()
    {
        var plan = PlanOption.Create();
        var output = new Option<string?>("--out", "-o") { Description = "Write the rules to this file (replaced atomically) instead of stdout" };
        var sizeChange = new Option<double>("--size-change")
        {
            Description = "Size anomaly threshold: the fraction by which the last backup may differ from the median of recent ones",
            DefaultValueFactory = _ => 0.5,
        };
        var failureWindow = new Option<string>("--failure-window")
        {
            Description = "How long a failed run keeps the failure alert firing (a duration such as 1h)",
            DefaultValueFactory = _ => "1h",
        };
        var render = new Command("render", "Write Prometheus alerting rules derived from the plan (RPO, failures, size anomalies, no success since start)")
        {
            plan, output, sizeChange, failureWindow,
        };
        render.SetBody(async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var change = parse.GetValue(sizeChange);
            if (change is <= 0 or > 100)
            {
                throw new UsageException($"--size-change {change} must be above 0 (0.5 means 50%)");
            }
            if (!PlanDuration.TryParse(parse.GetValue(failureWindow)!, out var window))
            {
                throw new UsageException($"--failure-window '{parse.GetValue(failureWindow)}' is not a duration such as 1h or 30m");
            }
            var file = Path.GetFullPath(PlanOption.Locate(parse, plan));
            var loaded = PlanLoader.Load(file, PlanKinds.Create());
            var components = loaded.Components.Where(c => c.Schedule is not null).Select(c => (c.Name, c.Rpo)).ToList();
            if (components.Count == 0)
            {
                throw new UsageException($"the plan {file} schedules no component, so 'lifeboat serve' exports no metrics to alert on; give components a 'schedule:'");
            }
            // Archiving goes on between base backups whether or not the daemon schedules them, so every archiving component gets the rule.
            var archiving = new PostgresArchiveHealth();
            var archives = loaded.Components.Where(archiving.Archives).Select(c => (c.Name, c.Rpo)).ToList();
            var yaml = AlertRulesRenderer.Render(components, archives, new AlertRuleOptions { SizeChange = change, FailureWindow = window }, file);
            if (parse.GetValue(output) is { } path)
            {
                await WriteAtomicallyAsync(Path.GetFullPath(path), yaml, cancellationToken);
                await Console.Error.WriteLineAsync($"lifeboat: {components.Count} component(s), {AlertRulesRenderer.Groups.Count} rule groups written to {path}");
            }
            else
            {
                await Console.Out.WriteAsync(yaml);
            }
            return ExitCodes.Success;
        });
        return new Command("alerts", "Alerting rules for the metrics of 'lifeboat serve'") { render };
    }

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
