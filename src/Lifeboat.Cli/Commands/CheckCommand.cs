using System.CommandLine;
using System.Globalization;
using Lifeboat.Check;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat check [--read-data [--subset N%]]</c>: verifies the repository.</summary>
public static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var readData = new Option<bool>("--read-data") { Description = "Read all packs and verify every chunk" };
        var subset = new Option<string?>("--subset") { Description = "With --read-data: read only this share of packs, e.g. 10%" };
        var command = new Command("check", "Verify the repository's structure and, with --read-data, its data") { readData, subset };
        command.SetBody(async (context, ct) =>
        {
            var options = new CheckOptions
            {
                ReadData = context.Parse.GetValue(readData) || context.Parse.GetValue(subset) is not null,
                SubsetPercent = ParseSubset(context.Parse.GetValue(subset)),
            };
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Shared, ct);
            ct = context.Token;
            var progress = new CheckProgress();
            var report = await ProgressDisplay.RunAsync(context.ShowProgress, "check",
                () => new Checker(repository).RunAsync(options, progress, ct),
                () => new ProgressDisplay.Sample(progress.Stage, progress.BytesDone, progress.BytesTotal));
            // A physical base backup whose WAL is missing cannot be restored: that is damage like a missing pack.
            report = report with { Errors = [.. report.Errors, .. await CheckWalAsync(repository, context.Json, ct)] };
            if (context.Json)
            {
                CommandContext.WriteJson(report);
            }
            else
            {
                Print(report);
            }
            return report.IsClean ? ExitCodes.Success : ExitCodes.Damaged;
        });
        return command;
    }

    // The PostgreSQL WAL chain of every component that archives into the repository (one listing and a few header
    // reads; printed unless JSON), and every physical base backup the archive cannot restore. Returns the errors.
    private static async Task<List<string>> CheckWalAsync(Repository.Repository repository, bool json, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var component in await new WalArchive(repository).ComponentsAsync(cancellationToken))
        {
            var wal = await WalChainReport.BuildAsync(repository, component, TimeProvider.System, cancellationToken);
            errors.AddRange(wal.Timelines.SelectMany(t => t.Missing.Select(m => $"the WAL of component '{component}' is missing {m} (timeline {t.Timeline})")));
            if (!json)
            {
                foreach (var line in wal.Lines())
                {
                    Console.WriteLine(line);
                }
            }
        }
        errors.AddRange(await BaseBackupRestorability.FindUnrestorableAsync(repository, cancellationToken));
        return errors;
    }

    private static double ParseSubset(string? text)
    {
        if (text is null)
        {
            return 100;
        }
        if (double.TryParse(text.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent > 0 && percent <= 100)
        {
            return percent;
        }
        throw new UsageException($"--subset takes a percentage between 0 and 100, such as 10%, not '{text}'");
    }

    private static void Print(CheckReport report)
    {
        foreach (var warning in report.Warnings)
        {
            Console.WriteLine($"warning: {warning}");
        }
        foreach (var error in report.Errors)
        {
            Console.WriteLine($"error: {error}");
        }
        foreach (var (snapshot, paths) in report.Damaged)
        {
            Console.WriteLine($"snapshot {snapshot} cannot be fully restored:");
            foreach (var path in paths)
            {
                Console.WriteLine($"  {path}");
            }
        }
        Console.WriteLine($"{report.Snapshots} snapshots, {report.Packs} packs" +
            (report.PacksRead > 0 ? $", {report.PacksRead} packs and {report.ChunksRead} chunks read and verified" : ""));
        Console.WriteLine(report.IsClean ? "no errors were found" : $"{report.Errors.Count} errors found (exit code 4)");
    }
}
