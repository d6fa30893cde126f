using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Check;
using Lifeboat.FileSystem;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Plan.Status;
using Lifeboat.Restore;
using Lifeboat.Runs;
using Lifeboat.Sources.Sqlite;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat demo</c>: the embedded default job, run on a copy of the quickstart plan (examples/quickstart): validate
/// the plan, create its repository, back up its components twice (the second run shows change detection), show the
/// status against the RPO targets, check every byte, then restore the folder and compare it with the source byte for
/// byte and run the plan's verification query on the restored database. Needs no server and no password (a fixed demo
/// password is used).
/// </summary>
public static class DemoCommand
{
    private const string DemoPassword = "lifeboat-demo";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "Working directory for the demo plan, repository and restore (recreated)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "lifeboat-demo") };
        var source = new Option<string?>("--source") { Description = "Folder to back up as the plan's 'site' component (default: the bundled sample)" };
        var command = new Command("demo", "Run the quickstart plan (validate, back up, status), then check, restore and verify it, in a fresh directory") { directory, source };
        command.SetBody(async (context, ct) =>
        {
            var work = Path.GetFullPath(context.Parse.GetValue(directory)!);
            var examples = Environment.GetEnvironmentVariable("LIFEBOAT_EXAMPLES") ?? Path.Combine(AppContext.BaseDirectory, "examples");
            var samples = Environment.GetEnvironmentVariable("LIFEBOAT_SAMPLES") ?? Path.Combine(AppContext.BaseDirectory, "samples");
            var quickstart = Path.Combine(examples, "quickstart");
            var from = context.Parse.GetValue(source) is { } given ? Path.GetFullPath(given)
                : Directory.Exists(Path.Combine(samples, "demo-site")) ? Path.Combine(samples, "demo-site") : Path.Combine(quickstart, "site");
            if (!File.Exists(Path.Combine(quickstart, PlanLoader.DefaultFileName)) || !Directory.Exists(from))
            {
                throw new UsageException($"the quickstart plan ({quickstart}) or the folder {from} is missing; set LIFEBOAT_EXAMPLES or pass --source DIR");
            }
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
            var planDirectory = Path.Combine(work, "quickstart");
            Directory.CreateDirectory(planDirectory);
            File.Copy(Path.Combine(quickstart, PlanLoader.DefaultFileName), Path.Combine(planDirectory, PlanLoader.DefaultFileName));
            File.Copy(Path.Combine(quickstart, "app.db"), Path.Combine(planDirectory, "app.db"));
            CopyTree(from, Path.Combine(planDirectory, "site"));
            // The plan reads its password from $LIFEBOAT_PASSWORD; the demo's fresh repository uses a fixed one.
            Environment.SetEnvironmentVariable("LIFEBOAT_PASSWORD", DemoPassword);
            var clock = Stopwatch.StartNew();
            var planFile = Path.Combine(planDirectory, PlanLoader.DefaultFileName);
            Step($"plan        {planFile} (copy of examples/quickstart; site = {from})");

            var plan = PlanLoader.Load(planFile, PlanKinds.Create());
            Step($"validate    {plan.Components.Count} components valid: {string.Join(", ", plan.Components.Select(c => $"{c.Name} ({c.Kind}, RPO {PlanDuration.Format(c.Rpo ?? TimeSpan.Zero)})"))}", clock);

            await PlanInitializer.InitAsync(plan, ct);
            Step($"init        repository at {plan.Repositories["local"].Location} (AES-256-GCM, zstd, PBKDF2 {Crypto.KeyFile.MinimumIterations:N0} rounds)", clock);

            var runner = new PlanRunner(plan, PlanKinds.Create(), TimeProvider.System);
            var first = await runner.RunAsync([], ct);
            Step($"backup      {Describe(first)}", clock);
            var second = await runner.RunAsync([], ct);
            Step($"backup      again (unchanged sources): {Describe(second)}", clock);

            var statuses = await new PlanStatusReader(plan, TimeProvider.System).ReadAsync(new List<string>(), ct);
            Step($"status      {string.Join("; ", statuses.Select(s => $"{s.Component} {s.State} ({s.Snapshots} snapshots, newest {PlanDuration.Format(TimeSpan.FromSeconds(Math.Floor(s.Age?.TotalSeconds ?? 0)))} old)"))}", clock);

            var store = new LocalBlobStore(plan.Repositories["local"].Location);
            var repository = await Repository.Repository.OpenAsync(store, DemoPassword, ct);
            var report = await new Checker(repository).RunAsync(new CheckOptions { ReadData = true }, null, ct);
            Step($"check       {report.PacksRead} packs, {report.ChunksRead} chunks decrypted and verified: {(report.IsClean ? "no errors" : string.Join("; ", report.Errors))}", clock);

            await repository.LoadIndexAsync(ct);
            var snapshots = await repository.LoadSnapshotsAsync(ct);
            var site = snapshots.Last(s => s.Snapshot.Component == "site");
            var restorePath = Path.Combine(work, "restore");
            var restored = await new Restorer(repository).RunAsync(site.Snapshot, new RestoreOptions { Target = restorePath }, new RestoreProgress(), ct);
            var sitePath = Path.Combine(planDirectory, "site");
            var differences = TreeComparer.Compare(sitePath, restorePath + sitePath);
            Step($"restore     site: {restored.Files} files, {Size.Format(restored.Bytes)}; byte-for-byte comparison with the source: {(differences.Count == 0 ? "identical" : $"{differences.Count} differences")}", clock);
            foreach (var difference in differences)
            {
                Console.Error.WriteLine($"lifeboat: differs: {difference}");
            }

            var verified = await VerifyDatabaseAsync(repository, snapshots.Last(s => s.Snapshot.Component == "app-db").Snapshot, plan.Component("app-db"), work, ct);
            Step($"verify      app-db restored, {verified}", clock);

            var ok = first.Success && second.Success && statuses.All(s => s.RpoMet) && report.IsClean && restored.Complete && differences.Count == 0;
            Console.WriteLine(ok ? "demo OK: the plan ran, every RPO target is met, and the backup was restored and proven identical" : "demo FAILED");
            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    // Restores the database stream, then checks its integrity, the row counts the backup recorded and the plan's
    // verification queries.
    private static async Task<string> VerifyDatabaseAsync(Repository.Repository repository, Snapshots.Snapshot snapshot, PlanComponent component, string work,
        CancellationToken cancellationToken)
    {
        var reader = new SnapshotFileReader(repository);
        var node = await reader.FindAsync(snapshot, SqliteSource.StreamName("app.db"), cancellationToken);
        var file = Path.Combine(work, "restored-app.db");
        await reader.RestoreToFileAsync(node, file, overwrite: false, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        var queries = component.Verify.Queries.Select(q => new SqliteVerifyQuery(q.Query, q.Expect)).ToList();
        var result = SqliteVerifier.Verify(new SqliteDatabaseFile(file), snapshot.Source, queries, TimeSpan.FromSeconds(5));
        return $"integrity ok, {result.TablesCompared} row counts match the backup, {result.QueriesPassed} verification queries returned their expected results";
    }

    private static string Describe(PlanRunReport report) => string.Join("; ", report.Runs.Select(r => r.Outcome == RunRecord.Success
        ? $"{r.Component} snapshot {r.Snapshot![..8]} ({Size.Format(r.BytesRead)} read, {Size.Format(r.BytesStored)} stored)"
        : $"{r.Component} {r.Outcome}: {r.Error}"));

    // Copies what a backup holds, by the type lstat gives: a link as the link itself, its target text as stored
    // (Posix.Symlink, as restore places links), FIFOs and devices as nodes (a byte copy would block on a FIFO forever);
    // sockets are left out, as a backup leaves them out.
    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            var status = Posix.LStat(entry.FullName);
            if (status.IsSymlink)
            {
                Posix.Symlink(entry.LinkTarget!, target);
            }
            else if (status.IsDirectory)
            {
                CopyTree(entry.FullName, target);
            }
            else if (status.IsRegularFile)
            {
                File.Copy(entry.FullName, target);
            }
            else if (!status.IsSocket)
            {
                Posix.MakeNode(target, status.Mode, status.SpecialDevice);
                Posix.Chmod(target, status.Permissions);
            }
        }
    }

    private static void Step(string text, Stopwatch? clock = null)
    {
        Console.WriteLine(clock is null ? text : $"{text}  [{clock.Elapsed.TotalMilliseconds:0} ms]");
        clock?.Restart();
    }
}
