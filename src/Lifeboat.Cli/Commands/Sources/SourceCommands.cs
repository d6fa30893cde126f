using System.CommandLine;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>The source kinds the CLI can back up and restore ad hoc: one line per kind in each list.</summary>
public static class SourceCommands
{
    /// <summary>Subcommands of <c>lifeboat backup</c>.</summary>
    public static IEnumerable<Command> Backups() =>
    [
        CommandBackupCommand.Create(),
        SqliteBackupCommand.Create(),
        RedisBackupCommand.Create(),
        BucketBackupCommand.Create(),
        PostgresBackupCommand.Create(),
    ];

    /// <summary>Subcommands of <c>lifeboat restore</c>.</summary>
    public static IEnumerable<Command> Restores() =>
    [
        CommandRestoreCommand.Create(),
        SqliteRestoreCommand.Create(),
        RedisRestoreCommand.Create(),
        BucketRestoreCommand.Create(),
        PostgresRestoreCommand.Create(),
    ];
}
