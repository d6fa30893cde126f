using System.CommandLine;
using Lifeboat.Sources.Sqlite;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary><c>lifeboat backup sqlite FILE</c>: a consistent online copy of a live SQLite database, integrity-checked.</summary>
public static class SqliteBackupCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The SQLite database file (it may be in use, also in WAL mode)" };
        var tempDir = new Option<string?>("--temp-dir") { Description = "Where the private copy is made before it is stored (default: $TMPDIR or /tmp); needs the database's size free" };
        var busy = BusyTimeoutOption();
        var command = new Command("sqlite", "Back up a SQLite database through its online backup API; a copy that fails PRAGMA integrity_check records nothing")
        {
            file, tempDir, busy,
        };
        SourceBackup.AddCommonOptions(command);
        command.SetBody((context, ct) => SourceBackup.RunAsync(context, new SqliteSource(context.Parse.GetValue(file)!, new SqliteSourceOptions
        {
            TemporaryDirectory = context.Parse.GetValue(tempDir),
            BusyTimeout = TimeSpan.FromSeconds(context.Parse.GetValue(busy)),
        }), ct));
        return command;
    }

    /// <summary>--busy-timeout SECONDS, shared with the restore.</summary>
    public static Option<double> BusyTimeoutOption() => new("--busy-timeout")
    {
        Description = "Seconds to wait for another connection's lock before failing",
        DefaultValueFactory = _ => 30,
    };
}
