using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Runs;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat backup --plan FILE [COMPONENT...]</c> (and <c>lifeboat backup</c> with no arguments when a plan is
/// found): runs the plan's components through <see cref="PlanRunner"/> and reports one line per component.
/// </summary>
public static class PlanBackup
{
    /// <summary>Runs the components (all when none is named); exit code 0 only when every one succeeded and was recorded.</summary>
    public static async Task<int> RunAsync(CommandContext context, BackupPlan plan, IReadOnlyList<string> components, int parallel,
        CancellationToken cancellationToken)
    {
        if (parallel < 1)
        {
            throw new UsageException("--parallel must be at least 1");
        }
        foreach (var name in components)
        {
            plan.Component(name);
        }
        var report = await new PlanRunner(plan, PlanKinds.Create(), TimeProvider.System) { Parallelism = parallel }
            .RunAsync(components, cancellationToken);
        if (context.Json)
        {
            CommandContext.WriteJson(new { plan = plan.File, success = report.Success, runs = report.Runs, unrecorded = report.UnrecordedErrors });
        }
        else
        {
            foreach (var run in report.Runs)
            {
                Console.WriteLine(Describe(run));
            }
        }
        foreach (var error in report.UnrecordedErrors)
        {
            await Console.Error.WriteLineAsync($"lifeboat: {error}");
        }
        var failed = report.Runs.Count(r => r.Outcome != RunRecord.Success);
        if (failed > 0)
        {
            await Console.Error.WriteLineAsync($"lifeboat: {failed} of {report.Runs.Count} components failed; 'lifeboat status --plan {plan.File}' shows each one's last failure");
        }
        return report.Success ? ExitCodes.Success : cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Failure;
    }

    private static string Describe(RunRecord run)
    {
        var head = $"{run.Component,-20} {run.Outcome,-8}";
        var snapshot = run.Snapshot is { } id ? $"snapshot {id[..8]}, {Size.Format(run.BytesRead)} read, {Size.Format(run.BytesStored)} stored, {run.Duration.TotalSeconds:0.00} s" : "";
        var after = (run.Forgotten > 0 ? $", {run.Forgotten} forgotten" : "") + (run.Copied > 0 ? $", {run.Copied} copied offsite" : "");
        var error = run.Error is { } e ? $"{(snapshot.Length > 0 ? "; " : "")}{e}" : "";
        return $"{head} {snapshot}{after}{error}";
    }
}
