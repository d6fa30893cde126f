using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Restore;
using Lifeboat.Sources.Sqlite;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore sqlite [SNAPSHOT] (--target FILE | --scratch DIR) [--verify-query "SQL=expected"]...</c>:
/// a verified database swapped in for the live file (kept aside), or written to a scratch directory and only verified.
/// </summary>
public static class SqliteRestoreCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var target = new Option<string?>("--target", "-t") { Description = "The database file to replace; the current one is kept as FILE.before-restore.<UTC time>" };
        var scratch = new Option<string?>("--scratch") { Description = "Restore into a new file in this directory and only verify it" };
        var queries = new Option<string[]>("--verify-query") { Description = "\"SQL=expected\": the query's first value must equal expected, else nothing is swapped in (repeatable)" };
        var busy = SqliteBackupCommand.BusyTimeoutOption();
        var command = new Command("sqlite", "Restore a SQLite database: integrity check, recorded row counts and verify queries first, then an atomic swap")
        {
            target, scratch, queries, busy,
        };
        SourceRestore.AddSelection(command);
        command.SetBody(async (context, ct) =>
        {
            var file = context.Parse.GetValue(target);
            var directory = context.Parse.GetValue(scratch);
            if ((file is null) == (directory is null))
            {
                throw new UsageException("give either --target FILE (replace it) or --scratch DIR (restore and verify only)");
            }
            var checks = (context.Parse.GetValue(queries) ?? []).Select(SqliteVerifyQuery.Parse).ToList();
            var timeout = TimeSpan.FromSeconds(context.Parse.GetValue(busy));
            var (repository, id, snapshot) = await SourceRestore.OpenAsync(context, "sqlite", ct);
            var restorer = new SqliteRestorer(new SnapshotFileReader(repository), TimeProvider.System);
            var stopwatch = Stopwatch.StartNew();
            var result = file is not null
                ? await restorer.RestoreOverAsync(snapshot, file, checks, timeout, context.Token)
                : await restorer.RestoreToScratchAsync(snapshot, directory!, checks, timeout, context.Token);
            if (context.Json)
            {
                CommandContext.WriteJson(new
                {
                    snapshot = id.ToString(), target = result.Path, keptAside = result.KeptAside, bytes = result.Bytes,
                    integrity = "ok", tablesCompared = result.Verification.TablesCompared, queriesPassed = result.Verification.QueriesPassed,
                    seconds = stopwatch.Elapsed.TotalSeconds,
                });
            }
            else
            {
                Console.WriteLine($"restored snapshot {id.Short} ({Size.Format(result.Bytes)}) to {result.Path} in {stopwatch.Elapsed.TotalSeconds:0.00} s");
                Console.WriteLine($"  verified: integrity_check ok, row counts of {result.Verification.TablesCompared} tables, {result.Verification.QueriesPassed} queries");
                if (result.KeptAside is not null)
                {
                    Console.WriteLine($"  the previous file is kept as {result.KeptAside}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
