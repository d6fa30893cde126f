using System.CommandLine;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat backup postgres --connection URL [--pg-password-file F] [--no-globals]</c>: a logical backup of one
/// database (pg_dump in an exported snapshot, streamed into the repository) plus its server's roles and tablespaces;
/// with <c>--physical</c>, a base backup of the whole cluster instead (<see cref="PostgresPhysicalBackupCommand"/>).
/// </summary>
public static class PostgresBackupCommand
{
    /// <summary>--connection, shared with the restore.</summary>
    public static Option<string> ConnectionOption() => new("--connection", "-c")
    {
        Description = "The server and database: postgresql://user@host:port/db or 'Host=..;Port=..;Username=..;Database=..' (no password in it)",
        Required = true,
    };

    /// <summary>--pg-password-file, shared with the restore.</summary>
    public static Option<string?> PasswordFileOption() => new("--pg-password-file")
    {
        Description = "Read the PostgreSQL password from this file's first line (default: $PGPASSWORD, then ~/.pgpass)",
    };

    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var connection = ConnectionOption();
        var passwordFile = PasswordFileOption();
        var noGlobals = new Option<bool>("--no-globals") { Description = "Do not back up roles and tablespaces (pg_dumpall --globals-only)" };
        var pgDump = new Option<string?>("--pg-dump") { Description = "The pg_dump program to run (default: the installed one of the server's major version)" };
        var pgDumpAll = new Option<string?>("--pg-dumpall") { Description = "The pg_dumpall program to run (default: the installed one of the server's major version)" };
        var command = new Command("postgres", "Back up a PostgreSQL database: pg_dump in one consistent snapshot, streamed into the repository, with row counts for verification")
        {
            connection, passwordFile, noGlobals, pgDump, pgDumpAll, PostgresPhysicalBackupCommand.Physical, PostgresPhysicalBackupCommand.Method,
        };
        SourceBackup.AddCommonOptions(command);
        command.SetBody((context, ct) =>
        {
            var server = PostgresConnection.Parse(context.Parse.GetValue(connection)!, context.Parse.GetValue(passwordFile));
            if (context.Parse.GetValue(PostgresPhysicalBackupCommand.Physical))
            {
                return PostgresPhysicalBackupCommand.RunPhysicalAsync(context, server, ct);
            }
            var source = new PostgresDumpSource(new PostgresDumpOptions
            {
                Connection = server,
                Globals = !context.Parse.GetValue(noGlobals),
                PgDumpPath = context.Parse.GetValue(pgDump),
                PgDumpAllPath = context.Parse.GetValue(pgDumpAll),
            });
            return SourceBackup.RunAsync(context, source, ct);
        });
        return command;
    }
}
