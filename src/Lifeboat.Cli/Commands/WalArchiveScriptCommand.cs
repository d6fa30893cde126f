using System.CommandLine;
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
        var batch = new Option<int>("--batch") { Description = "How many ready segments wal push archives ahead (0: none)", DefaultValueFactory = _ => 32 };
        var command = new Command("archive-script", "Print the script for archive_command: sets the repository and its key file, and finishes pushes that a spool marker proves without starting Lifeboat")
        {
            component, spool, batch,
        };
        command.SetBody(async (context, ct) =>
        {
            var secret = Secret(context);
            // Opened with the secret the script will use: the path and the secret are right.
            await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            var identity = WalPushShortcut.RepositoryIdentity(context.RepositoryLocation);
            List<(string, string)> environment = [("LIFEBOAT_REPOSITORY", identity), secret];
            foreach (var name in S3Settings)
            {
                if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
                {
                    environment.Add((name, value));
                }
            }
            var folder = context.Parse.GetValue(spool) ?? (Environment.GetEnvironmentVariable("LIFEBOAT_WAL_SPOOL") is { Length: > 0 } variable ? variable : null);
            Console.Out.Write(WalArchiveScript.Render(ThisProgram.Command(), environment, identity, context.Parse.GetValue(component)!,
                folder is null ? null : Path.GetFullPath(folder), context.Parse.GetValue(batch)));
            return ExitCodes.Success;
        });
        return command;
    }

    // The key file, else the password file, as an absolute path: PostgreSQL runs the script in its data directory.
    private static (string, string) Secret(CommandContext context)
    {
        if (Environment.GetEnvironmentVariable("LIFEBOAT_KEY_FILE") is { Length: > 0 } keyFile)
        {
            return ("LIFEBOAT_KEY_FILE", Path.GetFullPath(keyFile));
        }
        if ((context.Parse.GetValue(GlobalOptions.PasswordFile) ?? Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD_FILE")) is { Length: > 0 } passwordFile)
        {
            return ("LIFEBOAT_PASSWORD_FILE", Path.GetFullPath(passwordFile));
        }
        throw new UsageException("the script reads the repository's secret from a file, never from itself: set LIFEBOAT_KEY_FILE "
            + "(make one with 'lifeboat key add --random-key-file FILE'; it also skips the password's key stretching on every push) or give --password-file");
    }
}
