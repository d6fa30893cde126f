using System.CommandLine;
using System.Globalization;
using Lifeboat.Locking;
using Lifeboat.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat prune [--repack-below N%] [--dry-run]</c>: deletes data no snapshot needs.</summary>
public static class PruneCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var repackBelow = new Option<string>("--repack-below") { Description = "Rewrite packs less than this share used (default 50%)", DefaultValueFactory = _ => "50%" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only report what would be deleted and rewritten" };
        var command = new Command("prune", "Delete data that no snapshot references and repack mostly-unused packs") { repackBelow, dryRun };
        command.SetBody(async (context, ct) =>
        {
            var text = context.Parse.GetValue(repackBelow)!;
            if (!double.TryParse(text.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent is < 0 or > 100)
            {
                throw new UsageException($"--repack-below takes a percentage between 0 and 100, not '{text}'");
            }
            var dry = context.Parse.GetValue(dryRun);
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Exclusive, ct);
            ct = context.Token;
            var stage = "";
            var report = await ProgressDisplay.RunAsync(context.ShowProgress, "prune",
                () => new Pruner(repository).RunAsync(new PruneOptions { RepackBelow = percent / 100, DryRun = dry }, new Progress<string>(s => stage = s), ct),
                () => new ProgressDisplay.Sample(stage, 0, 0));
            if (context.Json)
            {
                CommandContext.WriteJson(report);
            }
            else
            {
                var verb = dry ? "would delete" : "deleted";
                Console.WriteLine($"{verb} {report.PacksDeleted} unused packs and {report.UnindexedDeleted} unindexed packs, repacked {report.PacksRepacked} into {report.PacksWritten}");
                Console.WriteLine($"{verb} {report.PartialDeleted} partial objects of interrupted writes ({Size.Format(report.PartialBytesDeleted)})");
                if (report.PartialKept > 0)
                {
                    Console.WriteLine($"kept {report.PartialKept} partial objects written to in the last {LockManager.StaleAfter.TotalMinutes:0} minutes: " +
                        "a writer may still be using them; a later prune deletes them");
                }
                Console.WriteLine($"{(dry ? "would free" : "freed")} {Size.Format(report.BytesFreed)} ({Size.Format(report.BytesDeleted + report.PartialBytesDeleted)} deleted, {Size.Format(report.BytesWritten)} written); {report.ChunksUsed} chunks in use");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
