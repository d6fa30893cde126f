using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Chunking;
using Lifeboat.Repository;
using Lifeboat.Restore;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat demo</c>: the embedded default job. Creates a local repository, backs up the bundled sample folder
/// twice (the second run shows change detection), checks every byte, restores elsewhere and compares the restored
/// tree with the source byte for byte. Needs no server and no password (a fixed demo password is used).
/// </summary>
public static class DemoCommand
{
    private const string DemoPassword = "lifeboat-demo";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "Working directory for the demo repository and restore (recreated)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "lifeboat-demo") };
        var source = new Option<string?>("--source") { Description = "Folder to back up (default: the bundled sample)" };
        var command = new Command("demo", "Back up, check, restore and verify the bundled sample folder in a fresh local repository") { directory, source };
        command.SetBody(async (context, ct) =>
        {
            var work = Path.GetFullPath(context.Parse.GetValue(directory)!);
            var samples = Environment.GetEnvironmentVariable("LIFEBOAT_SAMPLES") ?? Path.Combine(AppContext.BaseDirectory, "samples");
            var from = Path.GetFullPath(context.Parse.GetValue(source) ?? Path.Combine(samples, "demo-site"));
            if (!Directory.Exists(from))
            {
                throw new UsageException($"the sample folder {from} does not exist; pass --source DIR");
            }
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
            var repoPath = Path.Combine(work, "repository");
            var restorePath = Path.Combine(work, "restore");
            var clock = Stopwatch.StartNew();
            Step($"source      {from}");

            var repository = await Repository.Repository.InitAsync(LocalBlobStore.Create(repoPath), DemoPassword,
                RepositoryConfig.Create(ChunkerParameters.Default, 3, RepositoryConfig.DefaultPackSize), ct);
            Step($"init        repository {repository.Config.Id[..8]} at {repoPath} (AES-256-GCM, zstd, PBKDF2 {Crypto.KeyFile.MinimumIterations:N0} rounds)", clock);

            var first = await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [from], Tags = ["demo"] }, new BackupProgress(), ct);
            var s = first.Snapshot.Summary!;
            Step($"backup      snapshot {first.Id.Short}: {s.Files} files, {Size.Format(s.TotalBytes)} read, {Size.Format(s.StoredBytes)} stored", clock);

            var second = await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [from], Tags = ["demo"] }, new BackupProgress(), ct);
            Step($"backup      snapshot {second.Id.Short} (unchanged source): {second.Snapshot.Summary!.FilesRead} files re-read, {Size.Format(second.Snapshot.Summary.StoredBytes)} stored", clock);

            var reopened = await Repository.Repository.OpenAsync(new LocalBlobStore(repoPath), DemoPassword, ct);
            var report = await new Checker(reopened).RunAsync(new CheckOptions { ReadData = true }, null, ct);
            Step($"check       {report.PacksRead} packs, {report.ChunksRead} chunks decrypted and verified: {(report.IsClean ? "no errors" : string.Join("; ", report.Errors))}", clock);

            var restoring = await Repository.Repository.OpenAsync(new LocalBlobStore(repoPath), DemoPassword, ct);
            await restoring.LoadIndexAsync(ct);
            var restored = await new Restorer(restoring).RunAsync(second.Snapshot, new RestoreOptions { Target = restorePath }, new RestoreProgress(), ct);
            Step($"restore     {restored.Files} files, {Size.Format(restored.Bytes)} to {restorePath}", clock);

            var differences = TreeComparer.Compare(from, restorePath + from);
            Step($"verify      byte-for-byte comparison with the source: {(differences.Count == 0 ? "identical" : $"{differences.Count} differences")}", clock);
            foreach (var difference in differences)
            {
                Console.Error.WriteLine($"lifeboat: differs: {difference}");
            }
            var ok = report.IsClean && restored.Complete && differences.Count == 0 && first.Errors.Count == 0;
            Console.WriteLine(ok ? "demo OK: the backup was restored and proven identical" : "demo FAILED");
            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void Step(string text, Stopwatch? clock = null)
    {
        Console.WriteLine(clock is null ? text : $"{text}  [{clock.Elapsed.TotalMilliseconds:0} ms]");
        clock?.Restart();
    }
}
