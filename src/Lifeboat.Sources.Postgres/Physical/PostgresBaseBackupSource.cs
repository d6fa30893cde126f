using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// A physical base backup: <c>pg_basebackup -D - -Ft -X none</c> streamed as one tar (<see cref="BaseBackupInfo.StreamName"/>)
/// into the repository, no temporary file. The WAL is not in the tar: it comes from the archive that
/// <c>lifeboat wal push</c> fills, so a server whose archive_mode is off is refused (its backups could never be
/// restored). Start LSN and timeline come from the tar's backup_label, the stop LSN from its manifest's WAL range,
/// the system identifier from its pg_control; anything missing fails the backup.
/// </summary>
public sealed class PostgresBaseBackupSource(PostgresConnection connection, TimeProvider clock) : ISource
{
    private const string Label = "backup_label";
    private const string Control = "global/pg_control";
    private const string Manifest = "backup_manifest";

    /// <inheritdoc/>
    public string Kind => "postgres";

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => [connection.Display];

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        var facts = await ReadServerAsync(cancellationToken);
        var program = PostgresTools.Find("pg_basebackup", facts.VersionNumber / 10000);
        var environment = connection.Environment();
        StreamedFile stored;
        TarWatcher tar;
        await using (var child = ChildProcess.Start(program,
            ["-D", "-", "-F", "t", "-X", "none", "--checkpoint=fast", "--label=lifeboat", "--no-password"], environment))
        {
            tar = new TarWatcher(child.Stdout, new Dictionary<string, int> { [Label] = 64 * 1024, [Control] = 8192, [Manifest] = 64 * 1024 });
            stored = await sink.AddAsync(BaseBackupInfo.StreamName, tar, cancellationToken);
            await child.EnsureSuccessAsync(cancellationToken);
        }
        var stopTime = clock.GetUtcNow();
        if (!tar.Ended)
        {
            throw new IOException($"pg_basebackup's tar stream ended without its end marker after {tar.Members} members; the backup is incomplete");
        }
        var (startLsn, timeline) = ParseLabel(tar.Captured(Label) ?? throw new IOException("the base backup holds no backup_label"));
        var (stopLsn, stopTimeline) = ParseManifestTail(tar.Captured(Manifest) ?? throw new IOException("the base backup holds no backup_manifest"));
        var control = tar.Captured(Control) ?? throw new IOException("the base backup holds no global/pg_control");
        var systemIdentifier = control.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(control) : 0;
        if (systemIdentifier != facts.SystemIdentifier)
        {
            throw new IOException($"the backup's pg_control names cluster {systemIdentifier}, but the server said {facts.SystemIdentifier}");
        }
        var info = new BaseBackupInfo(systemIdentifier, timeline, startLsn, stopLsn, stopTimeline, facts.SegmentSize, facts.VersionNumber, stopTime);
        var metadata = info.ToMetadata();
        metadata["server_version"] = facts.Version;
        metadata["bytes"] = stored.Size.ToString(CultureInfo.InvariantCulture);
        metadata["members"] = tar.Members.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }

    private sealed record ServerFacts(string Version, int VersionNumber, ulong SystemIdentifier, long SegmentSize, string ArchiveCommand);

    private async Task<ServerFacts> ReadServerAsync(CancellationToken cancellationToken)
    {
        await using var db = await connection.OpenAsync(cancellationToken);
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
            + "(SELECT system_identifier FROM pg_control_system())::text, (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size')::bigint, "
            + "current_setting('archive_mode'), current_setting('archive_command'), pg_is_in_recovery()";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var facts = new ServerFacts(reader.GetString(0), reader.GetInt32(1), ulong.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
            reader.GetInt64(3), reader.GetString(5));
        var archiveMode = reader.GetString(4);
        var inRecovery = reader.GetBoolean(6);
        if (archiveMode == "off" || (inRecovery && archiveMode != "always"))
        {
            throw new InvalidOperationException($"{connection.Display} has archive_mode = {archiveMode}{(inRecovery ? " on a standby" : "")}: a physical backup "
                + "needs the WAL archive to be restored, so point-in-time recovery is impossible and nothing was backed up. Set archive_mode = on "
                + "and archive_command = 'lifeboat wal push %p' (restart the server), or take a logical backup instead");
        }
        if (facts.ArchiveCommand.Length == 0 || facts.ArchiveCommand == "(disabled)")
        {
            throw new InvalidOperationException($"{connection.Display} has archive_mode = on but no archive_command: set archive_command = 'lifeboat wal push %p'; nothing was backed up");
        }
        return facts;
    }

    private static (Lsn, uint) ParseLabel(byte[] label)
    {
        Lsn? start = null;
        uint? timeline = null;
        foreach (var line in Encoding.UTF8.GetString(label).Split('\n'))
        {
            if (line.StartsWith("START WAL LOCATION: ", StringComparison.Ordinal))
            {
                start = Lsn.Parse(line["START WAL LOCATION: ".Length..].Split(' ')[0]);
            }
            else if (line.StartsWith("START TIMELINE: ", StringComparison.Ordinal))
            {
                timeline = uint.Parse(line["START TIMELINE: ".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        return start is { } s && timeline is { } t ? (s, t) : throw new IOException("the backup_label lacks START WAL LOCATION or START TIMELINE");
    }

    // The manifest ends with "WAL-Ranges": [{ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }, ...],
    // then the checksum; only its tail was kept, so the ranges are found from the last "WAL-Ranges" key on.
    private static (Lsn, uint) ParseManifestTail(byte[] tail)
    {
        var text = Encoding.UTF8.GetString(tail);
        var at = text.LastIndexOf("\"WAL-Ranges\"", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new IOException("the backup_manifest has no WAL-Ranges");
        }
        using var json = JsonDocument.Parse("{" + text[at..]);
        var ranges = json.RootElement.GetProperty("WAL-Ranges");
        var last = ranges[ranges.GetArrayLength() - 1];
        return (Lsn.Parse(last.GetProperty("End-LSN").GetString()!), last.GetProperty("Timeline").GetUInt32());
    }
}
