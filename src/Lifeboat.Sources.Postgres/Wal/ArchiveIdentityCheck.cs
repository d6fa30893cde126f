using System.Globalization;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// After a restore into a server: whether that server, if it archives WAL, is a cluster the repository's WAL archive
/// knows. A fresh cluster (a new initdb, as a logical restore often lands in) has a new system identifier, and its
/// pushes into a component bound to the old cluster are refused, so its archiving would fail from the first segment.
/// </summary>
public static class ArchiveIdentityCheck
{
    /// <summary>What to do next (asked through <paramref name="database"/>) when the server archives but its cluster is not the one its component archives here; null when nothing needs doing.</summary>
    public static async Task<string?> NextStepAsync(Repository.Repository repository, PostgresConnection server, string database, CancellationToken cancellationToken)
    {
        var archive = new WalArchive(repository);
        var records = new List<ClusterRecord>();
        foreach (var component in await archive.ComponentsAsync(cancellationToken))
        {
            if (await archive.FindClusterAsync(component, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }
        if (records.Count == 0)
        {
            return null;
        }
        ulong systemIdentifier;
        string archiveMode;
        await using (var session = await server.OpenAsync(database, cancellationToken))
        await using (var query = new NpgsqlCommand("SELECT system_identifier::text, current_setting('archive_mode') FROM pg_control_system()", session))
        await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            systemIdentifier = ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture);
            archiveMode = reader.GetString(1);
        }
        if (archiveMode == "off" || records.Any(r => r.SystemIdentifier == systemIdentifier))
        {
            return null;
        }
        var bound = string.Join(", ", records.Select(r => $"'{r.Component}' archives cluster {r.SystemIdentifier}"));
        return $"next: this server is cluster {systemIdentifier} and archives WAL, but this repository's WAL components belong to other clusters ({bound}): "
            + "its archive_command pushes into them will be refused. Archive it under a new component ('lifeboat wal archive-script --component NEW') "
            + "and take a new base backup ('lifeboat backup postgres --physical --component NEW'), or back it up with another component of the plan";
    }
}
