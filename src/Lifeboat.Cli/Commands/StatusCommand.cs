using System.CommandLine;
using Lifeboat.Plan;
using Lifeboat.Plan.Status;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat status [--plan FILE] [--json]</c>: per component, the newest backup and its age against the RPO target,
/// snapshot count and stored size, the last failure and its error; for a physical PostgreSQL component also its WAL
/// archive (newest segment's age against the RPO, refused pushes), whose failure misses the RPO too. Exit code 0 when
/// every target is met and every component's newest run succeeded, 5 (<see cref="ExitCodes.RpoBreached"/>) when a
/// target (or a WAL archive) is missed, 6 (<see cref="ExitCodes.LastRunFailed"/>) when the targets are met but a
/// component's newest run failed, 4 (<see cref="ExitCodes.Damaged"/>) when a snapshot or run record is damaged, 1 when
/// a repository could not be read.
/// </summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var plan = PlanOption.Create();
        var command = new Command("status", "Show each plan component's newest backup against its RPO target and its last failure (exit code 5 when a target is missed, 6 when a newest run failed)") { plan };
        command.SetBody(async (context, ct) =>
        {
            var loaded = PlanOption.Load(context.Parse, plan);
            var warnings = new List<string>();
            var statuses = await new PlanStatusReader(loaded, TimeProvider.System) { Archives = new PostgresArchiveHealth() }.ReadAsync(warnings, ct);
            foreach (var warning in warnings)
            {
                await Console.Error.WriteLineAsync($"lifeboat: warning: skipped damaged data: {warning}");
            }
            // Damaged snapshots or records are never "ok": the newest backup of a component may be among them.
            var code = statuses.Any(s => s.Error is not null) ? ExitCodes.Failure
                : warnings.Count > 0 ? ExitCodes.Damaged
                : !statuses.All(s => s.RpoMet) ? ExitCodes.RpoBreached
                : statuses.Any(s => s.LastRunFailed) ? ExitCodes.LastRunFailed : ExitCodes.Success;
            // Point-in-time recovery stops at the newest archived WAL: a broken archive misses the RPO like an old backup.
            var archiveBroken = statuses.Where(s => s.Archive is { Healthy: false }).Select(s => s.Component).ToList();
            if (code is ExitCodes.Success or ExitCodes.LastRunFailed && archiveBroken.Count > 0)
            {
                code = ExitCodes.RpoBreached;
            }
            if (context.Json)
            {
                CommandContext.WriteJson(new
                {
                    plan = loaded.File, ok = code == ExitCodes.Success, damaged = warnings,
                    components = statuses.Select(s => new
                    {
                        component = s.Component, kind = s.Kind, repository = s.Repository, state = s.State, s.LastSuccess, s.LastSnapshot,
                        ageSeconds = s.Age?.TotalSeconds, rpoSeconds = s.Rpo?.TotalSeconds, rtoSeconds = s.Rto?.TotalSeconds, s.RpoMet, s.LastRunFailed,
                        snapshots = s.Snapshots, storedBytes = s.StoredBytes, s.LastRun, s.LastFailure, s.NextRun, s.Error,
                        archive = s.Archive is { } a ? new { a.Name, a.Healthy, a.Newest, a.NewestArchived, ageSeconds = a.Age?.TotalSeconds, a.Problems } : null,
                    }),
                });
                return code;
            }
            foreach (var s in statuses)
            {
                Console.WriteLine(Describe(s));
                if (s.LastFailure is { } failure)
                {
                    Console.WriteLine($"    last failure {failure.Start.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {failure.Error}");
                }
                if (s.Archive is { } archive)
                {
                    Console.WriteLine(archive.Newest is { } newest
                        ? $"    {archive.Name}: {(archive.Healthy ? "ok" : "FAILING")}, newest segment {newest} archived {archive.NewestArchived!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({PlanDuration.Format(TimeSpan.FromSeconds(Math.Floor(archive.Age!.Value.TotalSeconds)))} ago)"
                        : $"    {archive.Name}: FAILING");
                    foreach (var problem in archive.Problems)
                    {
                        Console.WriteLine($"      {problem}");
                    }
                }
            }
            if (archiveBroken.Count > 0)
            {
                Console.WriteLine($"WAL archiving is failing or behind for: {string.Join(", ", archiveBroken)}; point-in-time recovery cannot reach past its newest archived segment (see above)");
            }
            var breached = statuses.Where(s => s.State == "breached").Select(s => s.Component).ToList();
            var failed = statuses.Where(s => s.State == "failed").Select(s => s.Component).ToList();
            Console.WriteLine(code switch
            {
                ExitCodes.Success => $"all {statuses.Count} components meet their RPO targets",
                ExitCodes.RpoBreached when breached.Count == 0 => "the snapshots meet their RPO targets, but WAL archiving does not (see above)"
                    + (failed.Count > 0 ? $"; newest run failed: {string.Join(", ", failed)}" : ""),
                ExitCodes.RpoBreached => $"RPO missed by: {string.Join(", ", breached)}; run 'lifeboat backup --plan {loaded.File}' and check the failures above"
                    + (failed.Count > 0 ? $"; newest run failed: {string.Join(", ", failed)}" : ""),
                ExitCodes.LastRunFailed => $"the newest run failed for: {string.Join(", ", failed)} (still within the RPO, but their backups are not working); "
                    + $"fix the failure above and run 'lifeboat backup --plan {loaded.File} {string.Join(' ', failed)}'",
                ExitCodes.Damaged => $"damaged data (above) is not counted, so these figures may be too good; run 'lifeboat check' with the plan's repositories",
                _ => "some repositories could not be read (see above); their components' status is unknown",
            });
            return code;
        });
        return command;
    }

    private static string Describe(ComponentStatus s)
    {
        var target = s.Rpo is { } rpo ? $"RPO {PlanDuration.Format(rpo)}" : "no RPO";
        if (s.Error is not null)
        {
            return $"{s.Component,-20} unknown   {target}: {s.Error}";
        }
        var last = s.LastSuccess is { } time
            ? $"last backup {time.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({PlanDuration.Format(TimeSpan.FromSeconds(Math.Floor(s.Age!.Value.TotalSeconds)))} ago, {target})"
            : $"never backed up ({target})";
        return $"{s.Component,-20} {s.State,-9} {last}, {s.Snapshots} snapshots, {Size.Format(s.StoredBytes)} stored";
    }
}
