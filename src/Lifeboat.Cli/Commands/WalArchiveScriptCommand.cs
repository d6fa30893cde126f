using System.CommandLine;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat wal archive-script</c>: prints the script to name in archive_command (see <see cref="WalArchiveScript"/>).
/// It holds where the repository and its secret are, never a secret itself, and is written only once the repository
/// opens with that secret, so a wrong path fails here and not in PostgreSQL's log.
/// </summary>
internal static class WalArchiveScriptCommand
{
    // Names and paths PostgreSQL's environment lacks for an S3 repository; the keys themselves are never copied.
    private static readonly string[] S3Settings = ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"];

    /// <summary>Builds the command.</summary>
    public static Command Create(Option<string> component)
    {
        var spool = new Option<string?>("--spool") { Description = "Spool folder for the markers (default: $LIFEBOAT_WAL_SPOOL, else lifeboat-spool next to pg_wal)" };
        var batch = new Option<int>("--batch") { Description = "How many ready segments the background process the script starts archives ahead (0: none, each push archives its own)", DefaultValueFactory = _ => 32 };
        var plan = new Option<string?>("--plan")
        {
            Description = "Archive for this plan's physical postgres component (--component): its repository, and its password file unless $LIFEBOAT_KEY_FILE is set",
        };
        var command = new Command("archive-script", "Print the script for archive_command: sets the repository and its key file, starts the background process that archives ready segments ahead, and finishes pushes that a spool marker proves without starting Lifeboat")
        {
            component, spool, batch, plan,
        };
        command.SetBody(async (context, ct) =>
        {
            var name = context.Parse.GetValue(component)!;
            var (location, secret) = context.Parse.GetValue(plan) is { } planFile
                ? await OpenPlanRepositoryAsync(context, planFile, name, ct)
                : await OpenRepositoryAsync(context, ct);
            var identity = WalPushShortcut.RepositoryIdentity(location);
            List<(string, string)> environment = [("LIFEBOAT_REPOSITORY", identity), secret];
            foreach (var variable in S3Settings)
            {
                if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
                {
                    environment.Add((variable, value));
                }
            }
            var folder = context.Parse.GetValue(spool) ?? (Environment.GetEnvironmentVariable("LIFEBOAT_WAL_SPOOL") is { Length: > 0 } configured ? configured : null);
            Console.Out.Write(WalArchiveScript.Render(ThisProgram.Command(), environment, identity, name,
                folder is null ? null : Path.GetFullPath(folder), context.Parse.GetValue(batch)));
            return ExitCodes.Success;
        });
        return command;
    }

    // The command line's repository, opened with the secret the script will use: the path and the secret are right.
    private static async Task<(string Location, (string, string) Secret)> OpenRepositoryAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var secret = KeyFile() ?? PasswordFile(context.Parse.GetValue(GlobalOptions.PasswordFile) ?? Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD_FILE"))
            ?? throw new UsageException("the script reads the repository's secret from a file, never from itself: set LIFEBOAT_KEY_FILE "
                + "(make one with 'lifeboat key add --random-key-file FILE'; it also skips the password's key stretching on every push) or give --password-file");
        await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, cancellationToken);
        return (context.RepositoryLocation, secret);
    }

    // The repository of the plan's component, opened with the secret the script will use; the component must be a
    // physical postgres one, whose base backups this WAL completes.
    private static async Task<(string Location, (string, string) Secret)> OpenPlanRepositoryAsync(CommandContext context, string planFile, string name, CancellationToken cancellationToken)
    {
        if (context.Parse.GetValue(GlobalOptions.Repo) is not null || context.Parse.GetValue(GlobalOptions.PasswordFile) is not null)
        {
            throw new UsageException("--plan names the repository and its password file already; leave out --repo and --password-file");
        }
        var loaded = PlanLoader.Load(planFile, PlanKinds.Create());
        var component = loaded.Components.FirstOrDefault(c => c.Name == name)
            ?? throw new UsageException($"the plan has no component '{name}' (--component); it has: {string.Join(", ", loaded.Components.Select(c => c.Name))}");
        if (component.Kind != "postgres" || !component.Settings.Values.TryGetValue("mode", out var mode) || mode.Text != "physical")
        {
            throw new UsageException($"component '{name}' is not a physical postgres component (kind: postgres, mode: physical), so it has no WAL to archive");
        }
        var repository = loaded.Repositories[component.Repository];
        var secret = KeyFile() ?? PasswordFile(repository.PasswordFile)
            ?? throw new UsageException($"repository '{repository.Name}' takes its password from ${repository.PasswordEnv}, and the script reads the secret from a file, "
                + "never from itself: set LIFEBOAT_KEY_FILE (make one with 'lifeboat key add --random-key-file FILE') or give the repository a password-file:");
        // Opened the way every plan command opens it, but with the file the script will name.
        await using var opened = await OpenedRepository.OpenAsync(repository with { PasswordEnv = null, PasswordFile = secret.Item2 },
            loadIndex: false, locking: null, "wal archive-script", cancellationToken);
        return (repository.Location, secret);
    }

    // As absolute paths: PostgreSQL runs the script in its data directory.
    private static (string, string)? KeyFile() =>
        Environment.GetEnvironmentVariable("LIFEBOAT_KEY_FILE") is { Length: > 0 } keyFile ? ("LIFEBOAT_KEY_FILE", Path.GetFullPath(keyFile)) : null;

    private static (string, string)? PasswordFile(string? file) =>
        file is { Length: > 0 } ? ("LIFEBOAT_PASSWORD_FILE", Path.GetFullPath(file)) : null;
}
