using System.CommandLine;
using Lifeboat.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat copy --from-repo SRC [SNAPSHOT...]</c>: copies snapshots into this repository (offsite, 3-2-1).</summary>
public static class CopyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var from = new Option<string>("--from-repo") { Description = "The repository to copy from (its password: --from-password-file, $LIFEBOAT_FROM_PASSWORD_FILE, $LIFEBOAT_FROM_PASSWORD)", Required = true };
        var fromPasswordFile = new Option<string?>("--from-password-file") { Description = "Password file of the source repository" };
        var snapshots = new Argument<string[]>("snapshots") { Description = "Snapshot IDs (or prefixes) to copy; default: all", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("copy", "Copy snapshots from another repository into this one, sending only missing data") { from, fromPasswordFile, snapshots };
        command.SetBody(async (context, ct) =>
        {
            var source = await context.OpenSourceRepositoryAsync(context.Parse.GetValue(from)!, context.Parse.GetValue(fromPasswordFile), ct);
            var destination = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, ct);
            ct = context.Token;
            var names = context.Parse.GetValue(snapshots) ?? [];
            var selected = names.Length == 0
                ? await source.LoadSnapshotsAsync(ct)
                : [.. await Task.WhenAll(names.Select(n => CommandContext.FindSnapshotAsync(source, n, null, [], ct)))];
            var stage = "";
            var report = await ProgressDisplay.RunAsync(context.ShowProgress, "copy",
                () => new SnapshotCopier(source, destination).CopyAsync(selected, new Progress<string>(s => stage = s), ct),
                () => new ProgressDisplay.Sample(stage, 0, 0));
            if (context.Json)
            {
                CommandContext.WriteJson(new { copied = report.Copied.Select(c => c.ToString()), report.Skipped, report.Chunks, report.Bytes });
            }
            else
            {
                Console.WriteLine($"copied {report.Copied.Count} snapshots ({report.Skipped} already there): {report.Chunks} chunks, {Size.Format(report.Bytes)} sent");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
