using System.CommandLine;
using Lifeboat.Backup;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore postgres SNAPSHOT --connection URL [--into NAME] [--jobs N] [--verify "SQL=EXPECTED"]...
/// [--swap [--terminate-connections]] | --in-place</c>: a logical backup restored into a new database and verified,
/// optionally swapped into the live one's place, or restored in place after a safety snapshot. With <c>--physical</c>,
/// point-in-time recovery from a base backup instead (<see cref="PostgresPhysicalRestoreCommand"/>).
/// </summary>
public static class PostgresRestoreCommand
{
    /// <summary>The tag of the snapshot an in-place restore takes of the state it replaces.</summary>
    public const string SafetyTag = "before-restore";

    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var connection = PostgresBackupCommand.ConnectionOption();
        // A physical restore builds a data directory and needs no server connection.
        connection.Required = false;
        var passwordFile = PostgresBackupCommand.PasswordFileOption();
        var into = new Option<string?>("--into") { Description = "The new database to restore into (default: LIVE_restored_yyyyMMddHHmmss, UTC)" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel pg_restore jobs", DefaultValueFactory = _ => Math.Min(4, Environment.ProcessorCount) };
        var verify = new Option<string[]>("--verify") { Description = "SQL=EXPECTED: the query's single value must equal EXPECTED in the restored database (repeatable)" };
        var swap = new Option<bool>("--swap") { Description = "After verification, rename the live database to LIVE_before_TIME and the restored one to LIVE" };
        var terminate = new Option<bool>("--terminate-connections") { Description = "With --swap: disconnect the live database's clients instead of refusing" };
        var inPlace = new Option<bool>("--in-place") { Description = "Restore into the live database in one transaction, after a safety snapshot of it" };
        var globals = new Option<bool>("--globals") { Description = "Apply the backed-up roles and tablespaces first (existing ones are kept and updated)" };
        var noOwner = new Option<bool>("--no-owner") { Description = "Do not restore owners and privileges (for a server without the original roles)" };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Where the dump is written for pg_restore (default: the system temp directory); needs room for the whole dump" };
        var command = new Command("postgres", "Restore a logical PostgreSQL backup into a new database and verify it; optionally swap it into place, or restore in place")
        {
            connection, passwordFile, into, jobs, verify, swap, terminate, inPlace, globals, noOwner, tempDir,
        };
        foreach (var option in PostgresPhysicalRestoreCommand.Options)
        {
            command.Options.Add(option);
        }
        SourceRestore.AddSelection(command);
        command.SetBody(async (context, ct) =>
        {
            var parse = context.Parse;
            if (PostgresPhysicalRestoreCommand.IsPhysical(parse))
            {
                var checks = (parse.GetValue(verify) ?? []).Select(VerifyQuery.Parse).ToList();
                return await PostgresPhysicalRestoreCommand.RunPhysicalAsync(context, checks, parse.GetValue(connection), parse.GetValue(passwordFile), ct);
            }
            var server = PostgresConnection.Parse(parse.GetValue(connection) ?? throw new UsageException("give --connection postgresql://user@host:port/database, the server to restore into (or --physical for a base backup)"),
                parse.GetValue(passwordFile));
            var queries = (parse.GetValue(verify) ?? []).Select(VerifyQuery.Parse).ToList();
            var (repository, id, snapshot) = await SourceRestore.OpenAsync(context, "postgres", ct);
            var live = server.Database ?? snapshot.Source.GetValueOrDefault("database") ?? throw new UsageException("name the database in --connection");
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var options = new LogicalRestoreOptions
            {
                Connection = server,
                Into = parse.GetValue(into),
                Jobs = parse.GetValue(jobs),
                Verify = queries,
                Swap = parse.GetValue(swap),
                TerminateConnections = parse.GetValue(terminate),
                InPlace = parse.GetValue(inPlace),
                Globals = parse.GetValue(globals),
                NoOwner = parse.GetValue(noOwner),
                TemporaryDirectory = parse.GetValue(tempDir),
                Log = Console.Error,
                SafetySnapshot = async token =>
                {
                    var source = new PostgresDumpSource(new PostgresDumpOptions { Connection = server.WithDatabase(live) });
                    var backup = await new SourceArchiver(repository, TimeProvider.System).RunAsync(source, new SourceBackupOptions
                    {
                        Component = snapshot.Component,
                        Tags = [SafetyTag],
                        BeforeCommit = context.EnsureLockHeldAsync,
                    }, new BackupProgress(), token);
                    if (!context.Json)
                    {
                        Console.Out.WriteLine($"safety snapshot {backup.Id} ({SafetyTag}) of {live} saved");
                    }
                    return backup.Id.ToString();
                },
            };
            var result = await new PostgresLogicalRestore(repository, snapshot, options).RunAsync(context.Token);
            // A restore into a fresh cluster that archives into this repository would have every push refused.
            var nextStep = await Lifeboat.Sources.Postgres.Wal.ArchiveIdentityCheck.NextStepAsync(repository, server, result.Database, context.Token);
            if (context.Json)
            {
                CommandContext.WriteJson(new { snapshot = id.ToString(), result.Database, result.MovedAside, result.SafetySnapshot, result.TablesVerified, result.QueriesVerified, result.DumpBytes, seconds = stopwatch.Elapsed.TotalSeconds, nextStep });
            }
            else
            {
                Console.WriteLine($"restored snapshot {id.Short} ({Size.Format(result.DumpBytes)} dump) into database {result.Database}, verified {result.TablesVerified} row count(s) and {result.QueriesVerified} query(ies), in {stopwatch.Elapsed.TotalSeconds:0.00} s");
                if (result.MovedAside is not null)
                {
                    Console.WriteLine($"the previous {live} is now {result.MovedAside}");
                }
                if (nextStep is not null)
                {
                    Console.WriteLine(nextStep);
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
