using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;
using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore postgres SNAPSHOT --physical --target-dir DIR [--to-time T | --to-lsn L | --to-xid X | --to-name N | --latest]
/// [--port P] [--start]</c>: point-in-time recovery from a base backup and the WAL archive.
/// </summary>
public static class PostgresPhysicalRestoreCommand
{
    private static readonly Option<bool> Physical = new("--physical") { Description = "Restore a physical base backup (point-in-time recovery)" };
    private static readonly Option<string?> TargetDir = new("--target-dir") { Description = "The new data directory: missing, empty, or a stopped cluster's, kept aside as DIR.before-restore.<UTC time>" };
    private static readonly Option<string?> ToTime = new("--to-time") { Description = "Recover up to this time (ISO 8601; UTC when no offset is given)" };
    private static readonly Option<string?> ToLsn = new("--to-lsn") { Description = "Recover up to this LSN (e.g. 0/3000060)" };
    private static readonly Option<string?> ToXid = new("--to-xid") { Description = "Recover up to and including this transaction" };
    private static readonly Option<string?> ToName = new("--to-name") { Description = "Recover up to this restore point (pg_create_restore_point)" };
    private static readonly Option<bool> Latest = new("--latest") { Description = "Replay everything archived (the default)" };
    private static readonly Option<int?> Port = new("--port") { Description = "Port of the restored server on 127.0.0.1" };
    private static readonly Option<bool> StartServer = new("--start") { Description = "Start the server, wait until recovery reaches the target and it accepts connections" };
    private static readonly Option<string?> Owner = new("--owner") { Description = "OS user that owns the data directory and runs the server (default: postgres when run as root, else you)" };
    private static readonly Option<bool> KeepArchiving = new("--keep-archiving") { Description = "Keep the backed-up archive_mode (for a new primary); by default the restored server does not archive" };
    private static readonly Option<string?> Timeline = new("--timeline") { Description = "recovery_target_timeline: 'latest' (PostgreSQL's default), 'current' or a number" };

    /// <summary>The physical options, added to <c>lifeboat restore postgres</c> (see <see cref="PostgresRestoreCommand"/>).</summary>
    public static IEnumerable<Option> Options => [Physical, TargetDir, ToTime, ToLsn, ToXid, ToName, Latest, Port, StartServer, Owner, KeepArchiving, Timeline];

    /// <summary>Whether the command line asks for a physical restore.</summary>
    public static bool IsPhysical(ParseResult parse) => parse.GetValue(Physical);

    /// <summary>
    /// Runs a point-in-time restore as the command line asks; with <paramref name="verify"/> queries, checks them on the
    /// started server as the login and database of <paramref name="connectionText"/> (default: $PGUSER or the owner,
    /// database postgres), its host and port replaced by the restored server's.
    /// </summary>
    public static async Task<int> RunPhysicalAsync(CommandContext context, IReadOnlyList<VerifyQuery> verify, string? connectionText, string? passwordFile,
        CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        if (!parse.GetValue(Physical))
        {
            throw new UsageException("give --physical to restore a base backup");
        }
        var directory = parse.GetValue(TargetDir) ?? throw new UsageException("give --target-dir DIR, a new or empty directory for the restored cluster");
        var target = Target(parse);
        if (parse.GetValue(StartServer) && parse.GetValue(Port) is null)
        {
            throw new UsageException("--start needs --port: the restored server must not take the original's port");
        }
        if (verify.Count > 0 && !parse.GetValue(StartServer))
        {
            throw new UsageException("--verify needs --start (and --port): the queries run on the restored server once it is up");
        }
        var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.Shared, cancellationToken);
        var (component, host) = SourceRestore.Filters(context);
        var listing = await repository.ListSnapshotsAsync(context.Token);
        var name = SourceRestore.SnapshotName(context);
        (Crypto.Digest Id, Snapshots.Snapshot Snapshot, BaseBackupInfo Info) chosen;
        try
        {
            chosen = BaseBackupSelection.Choose(listing.Readable, name, target, component, host);
        }
        catch (ArgumentException)
        {
            // No readable choice: a damaged snapshot that may be the one meant is the better explanation.
            listing.ThrowIfDamagedCouldBe(name);
            throw;
        }
        // Checked after the choice, so the message can name the base backup 'latest' would otherwise mean.
        listing.ThrowIfDamagedCouldBe(name, chosen.Id);
        var (id, snapshot, info) = chosen;
        (var reach, target) = await BaseBackupSelection.EnsureReachableAsync(repository, info, target, context.Token);
        var options = new PhysicalRestoreOptions
        {
            TargetDirectory = directory,
            Target = target,
            FetchCommand = [.. SelfCommand(), "wal", "fetch", "--system-id", info.SystemIdentifier.ToString(CultureInfo.InvariantCulture)],
            FetchEnvironment = FetchEnvironment(context),
            Owner = parse.GetValue(Owner) ?? (Environment.IsPrivilegedProcess ? "postgres" : Environment.UserName),
            Port = parse.GetValue(Port),
            Start = parse.GetValue(StartServer),
            KeepArchiving = parse.GetValue(KeepArchiving),
            Timeline = parse.GetValue(Timeline),
        };
        var stopwatch = Stopwatch.StartNew();
        var result = await new PhysicalRestore(repository).RunAsync(snapshot, info, options, context.Token);
        if (verify.Count > 0)
        {
            var login = PostgresConnection.Parse(connectionText ?? $"postgresql://{Uri.EscapeDataString(Environment.GetEnvironmentVariable("PGUSER") ?? options.Owner)}@127.0.0.1/postgres", passwordFile)
                .AtServer("127.0.0.1", options.Port!.Value);
            await new RestoreVerifier(login).VerifyAsync(login.Database ?? "postgres", new Dictionary<string, string>(), verify,
                $"the server restored into {result.TargetDirectory} (still running on 127.0.0.1:{options.Port})", context.Token);
        }
        if (context.Json)
        {
            CommandContext.WriteJson(new
            {
                snapshot = id.ToString(), target = target.ToString(), directory = result.TargetDirectory, bytes = result.Bytes, started = result.Started,
                recovery = result.RecoveryOutcome, keptAside = result.KeptAside, log = result.Log, verified = verify.Count, reachableUntilLsn = reach.UntilLsn?.ToString(), seconds = stopwatch.Elapsed.TotalSeconds,
            });
        }
        else
        {
            Console.WriteLine($"restored base backup {id.Short} ({Size.Format(result.Bytes)}, verified) into {result.TargetDirectory}, recovery target {target}");
            if (result.KeptAside is { } aside)
            {
                Console.WriteLine($"  the data directory that was there is kept as {aside}");
            }
            Console.WriteLine(result.Started
                ? $"  server recovered and accepts connections on 127.0.0.1:{options.Port} ({result.RecoveryOutcome ?? "recovery complete"}) in {stopwatch.Elapsed.TotalSeconds:0.0} s; its log is {result.Log}"
                : $"  start it with: pg_ctl -D {result.TargetDirectory} start (as {options.Owner}); it fetches WAL with 'lifeboat wal fetch'");
            if (verify.Count > 0)
            {
                Console.WriteLine($"  verified: {string.Join("; ", verify)}");
            }
        }
        return ExitCodes.Success;
    }

    private static RecoveryTarget Target(ParseResult parse)
    {
        var given = new List<RecoveryTarget>();
        if (parse.GetValue(ToTime) is { } time)
        {
            given.Add(RecoveryTarget.AtTime(time));
        }
        if (parse.GetValue(ToLsn) is { } lsn)
        {
            given.Add(RecoveryTarget.AtLsn(lsn));
        }
        if (parse.GetValue(ToXid) is { } xid)
        {
            given.Add(RecoveryTarget.AtXid(xid));
        }
        if (parse.GetValue(ToName) is { } name)
        {
            given.Add(RecoveryTarget.AtName(name));
        }
        if (given.Count > 1 || (given.Count == 1 && parse.GetValue(Latest)))
        {
            throw new UsageException("give one recovery target: --to-time, --to-lsn, --to-xid, --to-name or --latest");
        }
        return given.Count == 1 ? given[0] : RecoveryTarget.Latest;
    }

    // The restored server runs restore_command as its own user, without this process's environment: the wrapper
    // script gets the repository and the way to unlock it (a path to a password or key file, else the password).
    private static Dictionary<string, string> FetchEnvironment(CommandContext context)
    {
        var location = context.RepositoryLocation;
        var environment = new Dictionary<string, string>
        {
            ["LIFEBOAT_REPOSITORY"] = RepositoryLocation.IsS3(location) ? location : Path.GetFullPath(location),
        };
        var passwordFile = context.Parse.GetValue(GlobalOptions.PasswordFile) ?? Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD_FILE");
        if (!string.IsNullOrEmpty(passwordFile))
        {
            environment["LIFEBOAT_PASSWORD_FILE"] = Path.GetFullPath(passwordFile);
        }
        else if (Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD") is { Length: > 0 } password)
        {
            environment["LIFEBOAT_PASSWORD"] = password;
        }
        foreach (var name in new[] { "LIFEBOAT_KEY_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                environment[name] = value;
            }
        }
        return environment;
    }

    // How to run this same lifeboat again: the apphost itself, or 'dotnet Lifeboat.Cli.dll' when started through dotnet.
    private static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where this lifeboat program is");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, typeof(PostgresPhysicalRestoreCommand).Assembly.Location] : [process];
    }
}
