using System.CommandLine;
using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat backup postgres --connection URL --physical</c>: a base backup streamed from pg_basebackup; its WAL
/// comes from the archive that <c>lifeboat wal push</c> fills.
/// </summary>
public static class PostgresPhysicalBackupCommand
{
    /// <summary>--connection.</summary>
    public static readonly Option<string> Connection = new("--connection", "-c")
    {
        Description = "Server to back up: postgresql://user[:password]@host[:port][/database] (password also from PGPASSWORD)",
        Required = true,
    };

    /// <summary>--physical.</summary>
    public static readonly Option<bool> Physical = new("--physical") { Description = "A physical base backup (pg_basebackup) for point-in-time recovery with the WAL archive" };

    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var command = new Command("postgres", "Back up a PostgreSQL cluster: --physical takes a base backup for point-in-time recovery") { Connection, Physical };
        SourceBackup.AddCommonOptions(command);
        command.SetBody(async (context, ct) => await RunPhysicalAsync(context, ct));
        return command;
    }

    /// <summary>Runs a physical base backup as the command line asks.</summary>
    public static Task<int> RunPhysicalAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (!context.Parse.GetValue(Physical))
        {
            throw new UsageException("give --physical for a base backup");
        }
        var connection = PostgresConnection.Parse(context.Parse.GetValue(Connection)!);
        return SourceBackup.RunAsync(context, new PostgresBaseBackupSource(connection, TimeProvider.System), cancellationToken);
    }
}
