using System.CommandLine;
using Lifeboat.Maintenance;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat copy --from-repo SRC [SNAPSHOT...]</c>: copies snapshots into this repository (offsite, 3-2-1), and
/// first the PostgreSQL WAL archive their physical base backups need. Without names, the readable snapshots are copied
/// and damaged ones in the source are named; the exit code is then 4.
/// </summary>
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
            // Without names the readable snapshots still go offsite; the damaged ones are named and fail the command below.
            var listing = names.Length == 0 ? await source.ListSnapshotsAsync(ct) : null;
            var selected = listing is not null
                ? [.. listing.Readable]
                : (IReadOnlyList<(Crypto.Digest Id, Snapshots.Snapshot Snapshot)>)[.. await Task.WhenAll(names.Select(n => CommandContext.FindSnapshotAsync(source, n, null, [], ct)))];
            var stage = "";
            // The WAL goes first: a physical base backup in the destination is restorable only with its WAL there.
            // Without snapshot arguments the whole WAL archive is copied; with them, the clusters of those base backups.
            new SnapshotCopier(source, destination).EnsureCompatible();
            stage = "copying the PostgreSQL WAL archive";
            var wal = await ProgressDisplay.RunAsync(context.ShowProgress, "copy",
                () => new WalCopier(source, destination).CopyAsync(names.Length == 0 ? null : WalCopier.ClustersOf(selected.Select(s => s.Snapshot)), ct),
                () => new ProgressDisplay.Sample(stage, 0, 0));
            var report = await ProgressDisplay.RunAsync(context.ShowProgress, "copy",
                () => new SnapshotCopier(source, destination).CopyAsync(selected, new Progress<string>(s => stage = s), ct),
                () => new ProgressDisplay.Sample(stage, 0, 0));
            var damaged = listing?.Damaged ?? [];
            if (context.Json)
            {
                CommandContext.WriteJson(new
                {
                    copied = report.Copied.Select(c => c.ToString()), report.Skipped, report.Chunks, report.Bytes, walFiles = wal.Files, walBytes = wal.Bytes,
                    damaged = damaged.Select(d => new { id = d.Id.ToString(), reason = d.Reason }),
                });
            }
            else
            {
                Console.WriteLine($"copied {report.Copied.Count} snapshots ({report.Skipped} already there): {report.Chunks} chunks, {Size.Format(report.Bytes)} sent"
                    + (damaged.Count == 0 ? "" : $"; {damaged.Count} damaged snapshots NOT copied"));
                if (wal.Clusters > 0)
                {
                    Console.WriteLine($"copied {wal.Files} WAL files of {wal.Clusters} PostgreSQL cluster(s) ({wal.AlreadyThere} already there): {Size.Format(wal.Bytes)} sent");
                }
            }
            if (damaged.Count > 0)
            {
                await Console.Error.WriteLineAsync($"lifeboat: {new Snapshots.DamagedSnapshotException(damaged, "in the source; they were not copied").Message}");
                return ExitCodes.Damaged;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
