using System.CommandLine;
using Lifeboat.Sources.Postgres.Physical;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat backup postgres --connection URL --physical</c>: a base backup streamed from pg_basebackup; its WAL
/// comes from the archive that <c>lifeboat wal push</c> fills.
/// </summary>
public static class PostgresPhysicalBackupCommand
{
    /// <summary>--physical, an option of <c>lifeboat backup postgres</c> (see <see cref="PostgresBackupCommand"/>).</summary>
    public static readonly Option<bool> Physical = new("--physical") { Description = "A physical base backup (pg_basebackup) for point-in-time recovery with the WAL archive, instead of pg_dump" };

    /// <summary>Runs a physical base backup of the server <paramref name="connectionText"/> names.</summary>
    public static Task<int> RunPhysicalAsync(CommandContext context, string connectionText, CancellationToken cancellationToken)
    {
        var connection = PostgresConnection.Parse(connectionText);
        return SourceBackup.RunAsync(context, new PostgresBaseBackupSource(connection, TimeProvider.System), cancellationToken);
    }
}
