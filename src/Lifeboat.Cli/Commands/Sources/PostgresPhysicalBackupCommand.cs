using System.CommandLine;
using Lifeboat.Sources.Postgres;
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

    /// <summary>--method, an option of <c>lifeboat backup postgres --physical</c>.</summary>
    public static readonly Option<BaseBackupMethod> Method = new("--method")
    {
        Description = "How the base backup reads the cluster: local (the data directory straight from this machine's disk, in parallel), "
            + "stream (pg_basebackup over the connection), or auto (local when this machine can read the server's data directory)",
        DefaultValueFactory = _ => BaseBackupMethod.Auto,
    };

    /// <summary>Runs a physical base backup of the server <paramref name="connection"/> names.</summary>
    public static Task<int> RunPhysicalAsync(CommandContext context, PostgresConnection connection, CancellationToken cancellationToken)
    {
        var method = context.Parse.GetValue(Method);
        return SourceBackup.RunAsync(context, new PostgresBaseBackupSource(connection, TimeProvider.System, method), cancellationToken);
    }

    /// <summary>Parses a plan's or a user's method name; null when it is not one.</summary>
    public static BaseBackupMethod? ParseMethod(string text) => Enum.TryParse<BaseBackupMethod>(text, ignoreCase: true, out var method)
        && !int.TryParse(text, out _) ? method : null;
}
