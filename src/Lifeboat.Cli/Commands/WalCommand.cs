using System.CommandLine;
using System.Globalization;
using Lifeboat.FileSystem;
using Lifeboat.Retention;
using Lifeboat.Sources.Postgres.Physical;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat wal push|fetch|check|expire</c>: PostgreSQL's archive_command and restore_command, the WAL chain report
/// and WAL retention. Push and fetch take no repository lock: WAL objects are write-once, and expire (under the
/// exclusive lock) deletes only files older than every kept base backup's start, which no push or fetch of a live
/// recovery touches.
/// </summary>
public static class WalCommand
{
    private static readonly Option<string> Component = new("--component") { Description = "Component whose cluster's WAL this is (default: postgres)", DefaultValueFactory = _ => "postgres" };

    /// <summary>Builds the command group.</summary>
    public static Command Create() => new("wal", "PostgreSQL WAL archive: archive_command, restore_command, the chain check and retention")
    {
        Push(), Ahead(), WalArchiveScriptCommand.Create(Component), Fetch(), Check(), Expire(), WalReceiveCommand.Create(),
    };

    private static Command Push()
    {
        var path = new Argument<string>("path") { Description = "The WAL file to archive (archive_command's %p)" };
        var spool = new Option<string?>("--spool")
        {
            Description = "Folder for markers of segments archived ahead (default: $LIFEBOAT_WAL_SPOOL, else lifeboat-spool next to pg_wal)",
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Also archive up to N other segments PostgreSQL marked ready, so their own pushes finish at once (0: only this file)",
            DefaultValueFactory = _ => 32,
        };
        var command = new Command("push", "Archive one WAL file; exit 0 only once it is durable in the repository (archive_command = 'lifeboat wal push %p')")
        {
            path, Component, spool, batch,
        };
        command.SetBody(async (context, ct) =>
        {
            var file = context.Parse.GetValue(path)!;
            var component = context.Parse.GetValue(Component)!;
            var walSpool = WalPushShortcut.Spool(file, context.Parse.GetValue(spool), context.RepositoryLocation, component);
            // Archived earlier in a batch with this very content: durable already, so the repository is not opened.
            var stored = false;
            var limit = context.Parse.GetValue(batch);
            if (walSpool is not null && limit > 0)
            {
                walSpool.WaitForAhead(file, WalBatch.MarkerWait);
            }
            if (walSpool is null || !walSpool.TryConsume(file))
            {
                var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
                // Started first, so that its start-up overlaps this push.
                if (walSpool is not null && limit > 0)
                {
                    WalBatch.StartAhead(context, walSpool, file, component, limit);
                }
                stored = await new WalArchive(repository).PushAsync(file, component, ct);
            }
            if (context.Json)
            {
                CommandContext.WriteJson(new { file = Path.GetFileName(file), stored, alreadyArchived = !stored });
            }
            else if (!context.Parse.GetValue(GlobalOptions.Quiet))
            {
                Console.WriteLine(stored ? $"archived {Path.GetFileName(file)}" : $"{Path.GetFileName(file)} was already archived with the same content");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    // The background process a push starts (see WalBatch); not for people to run.
    private static Command Ahead()
    {
        var path = new Argument<string>("path") { Description = "The WAL file whose push started this process" };
        var spool = new Option<string>("--spool") { Required = true };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32 };
        var includingPath = new Option<bool>("--including-path") { Description = "Archive the path itself too, first (the archive script starts it so)" };
        var command = new Command("ahead", "Archive the segments PostgreSQL marked ready ahead of their pushes (started by wal push or the archive script)")
        {
            path, Component, spool, batch, includingPath,
        };
        command.Hidden = true;
        command.SetBody(async (context, ct) =>
        {
            // Started by the archive script with '&', it would ignore the SIGQUIT of PostgreSQL's immediate shutdown.
            Posix.DefaultInterruptSignals();
            var file = context.Parse.GetValue(path)!;
            var component = context.Parse.GetValue(Component)!;
            var walSpool = WalPushShortcut.Spool(file, context.Parse.GetValue(spool), context.RepositoryLocation, component)!;
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            await WalBatch.RunAheadAsync(new WalArchive(repository), walSpool, file, component, context.Parse.GetValue(batch),
                context.Parse.GetValue(includingPath), ct);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Fetch()
    {
        var name = new Argument<string>("file") { Description = "The WAL file name PostgreSQL asks for (restore_command's %f)" };
        var destination = new Argument<string>("destination") { Description = "Where to write it (restore_command's %p)" };
        var systemId = new Option<string?>("--system-id") { Description = "The cluster's system identifier (default: the one --component archives)" };
        var command = new Command("fetch", "Restore one archived WAL file; exit 1 when it is not archived (restore_command = 'lifeboat wal fetch %f %p')")
        {
            name, destination, Component, systemId,
        };
        command.SetBody(async (context, ct) =>
        {
            var file = context.Parse.GetValue(name)!;
            try
            {
                var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
                var archive = new WalArchive(repository);
                var cluster = await SystemIdentifierAsync(context, archive, context.Parse.GetValue(systemId), ct);
                if (!await archive.FetchAsync(cluster, file, context.Parse.GetValue(destination)!, ct))
                {
                    await Console.Error.WriteLineAsync($"lifeboat: {file} is not archived");
                    return ExitCodes.Failure;
                }
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Exit 1 means "not archived" to PostgreSQL, which then ends recovery as if the archive ended here.
                var (_, message) = CommandRunner.Classify(e, ct);
                await Console.Error.WriteLineAsync($"lifeboat: {file} could not be fetched: {message}");
                return ExitCodes.FetchFailed;
            }
        });
        return command;
    }

    private static Command Check()
    {
        var command = new Command("check", "Report the archived WAL per timeline, missing ranges, which base backups are restorable and how far, and the RPO; exit 4 on a gap")
        {
            Component,
        };
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Shared, ct);
            var report = await WalChainReport.BuildAsync(repository, context.Parse.GetValue(Component)!, TimeProvider.System, context.Token);
            if (context.Json)
            {
                CommandContext.WriteJson(report);
            }
            else
            {
                foreach (var line in report.Lines())
                {
                    Console.WriteLine(line);
                }
            }
            return report.Healthy ? ExitCodes.Success : ExitCodes.Damaged;
        });
        return command;
    }

    private static Command Expire()
    {
        var keepWithin = new Option<string?>("--keep-within") { Description = "Also keep every file archived within this span (e.g. 7d, 2w, 12h)" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only list what would be deleted and why" };
        var force = new Option<bool>("--force") { Description = "Expire even when the chain has gaps or a snapshot cannot be read (still never past the oldest kept base backup's start)" };
        var command = new Command("expire", "Delete archived WAL older than the start of the oldest kept base backup (and than --keep-within); never WAL a kept backup needs")
        {
            Component, keepWithin, dryRun, force,
        };
        command.SetBody(async (context, ct) =>
        {
            DateTimeOffset? limit = null;
            if (context.Parse.GetValue(keepWithin) is { } span)
            {
                limit = CalendarSpan.Parse(span).Before(DateTimeOffset.UtcNow);
            }
            var dry = context.Parse.GetValue(dryRun);
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Exclusive, ct);
            var report = await new WalExpiry(repository).RunAsync(context.Parse.GetValue(Component)!, limit, dry, context.Parse.GetValue(force), context.Token);
            if (context.Json)
            {
                CommandContext.WriteJson(report);
                return ExitCodes.Success;
            }
            foreach (var overridden in report.Overridden)
            {
                Console.WriteLine($"--force: {overridden}");
            }
            if (report.Note is { } note)
            {
                Console.WriteLine(note);
                return ExitCodes.Success;
            }
            var verb = dry ? "would delete" : "deleted";
            if (dry)
            {
                foreach (var file in report.Expired)
                {
                    Console.WriteLine($"would delete {file.File}: {file.Reason}");
                }
            }
            Console.WriteLine($"{verb} {report.Expired.Count} WAL files ({Size.Format(report.BytesFreed)}) of component '{report.Component}'; kept {report.Kept} "
                + $"(everything from {report.KeepFromSegment}, the start of base backup {report.OldestBackupSnapshot![..8]}, the oldest of {report.BaseBackups} kept, and every .history file"
                + (report.KeepArchivedAfter is { } after ? $"; {report.KeptByAge} older files archived after {after.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" : "") + ")");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<ulong> SystemIdentifierAsync(CommandContext context, WalArchive archive, string? given, CancellationToken cancellationToken)
    {
        if (given is not null)
        {
            return ulong.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id : throw new UsageException($"'{given}' is not a system identifier (a number, as pg_controldata shows it)");
        }
        var component = context.Parse.GetValue(Component)!;
        var cluster = await archive.FindClusterAsync(component, cancellationToken)
            ?? throw new UsageException($"nothing was archived for component '{component}'; give --component or --system-id");
        return cluster.SystemIdentifier;
    }
}
