using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// A physical base backup. Where this machine can read the server's data directory (the <see cref="BaseBackupMethod.Local"/>
/// method, chosen by default when it can), the directory is read straight into the snapshot between pg_backup_start
/// and pg_backup_stop (<see cref="DataDirectoryBackup"/>); otherwise (<see cref="BaseBackupMethod.Stream"/>)
/// <c>pg_basebackup -D - -Ft -X none</c> is streamed as one tar (<see cref="BaseBackupInfo.StreamName"/>), no temporary
/// file. The WAL is in neither: it comes from the archive that <c>lifeboat wal push</c> (or a running
/// <c>lifeboat wal receive</c>, <see cref="WalReceiver"/>) fills, so a server whose archive_mode is off and that no
/// receiver streams from is refused (its backups could never be restored). Start LSN and timeline come from the
/// backup_label, the stop LSN from pg_backup_stop or the tar's manifest, the system identifier from pg_control;
/// anything missing fails the backup.
/// </summary>
/// <param name="connection">The server.</param>
/// <param name="clock">Time for the stop time.</param>
/// <param name="method">How the cluster is read.</param>
/// <param name="archiveTimeout">How long a local backup waits for its last WAL segment to reach the repository (default 5 minutes).</param>
public sealed class PostgresBaseBackupSource(PostgresConnection connection, TimeProvider clock, BaseBackupMethod method = BaseBackupMethod.Auto,
    TimeSpan? archiveTimeout = null) : ISource
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
        var metadata = ChooseLocal(facts) is { } dataDirectory
            ? await ProduceLocalAsync(sink, facts, dataDirectory, cancellationToken)
            : await ProduceStreamAsync(sink, facts, cancellationToken);
        metadata["server_version"] = facts.Version;
        return metadata;
    }

    /// <summary>The data directory to read here, or null to stream; throws when Local was asked for and is impossible.</summary>
    private string? ChooseLocal(ServerFacts facts)
    {
        if (method == BaseBackupMethod.Stream)
        {
            return null;
        }
        string? reason = null;
        if (facts.DataDirectory is not { } directory)
        {
            reason = "the login may not read the data_directory setting (grant it pg_read_all_settings)";
        }
        else if (facts.InRecovery)
        {
            reason = "the server is a standby";
        }
        else if (DataDirectoryBackup.SystemIdentifierOf(directory) is not { } found)
        {
            reason = $"its data directory {directory} cannot be read on this machine";
        }
        else if (found != facts.SystemIdentifier)
        {
            reason = $"{directory} on this machine belongs to cluster {found}, not to the server's cluster {facts.SystemIdentifier}";
        }
        else
        {
            return directory;
        }
        return method == BaseBackupMethod.Local
            ? throw new InvalidOperationException($"--method local is impossible: {reason}; nothing was backed up (use --method stream: pg_basebackup over the connection)")
            : null;
    }

    private async Task<Dictionary<string, string>> ProduceLocalAsync(StreamSink sink, ServerFacts facts, string dataDirectory, CancellationToken cancellationToken)
    {
        await using var db = await connection.OpenAsync(null, cancellationToken);
        var copied = await DataDirectoryBackup.RunAsync(db, facts.VersionNumber, dataDirectory, sink, cancellationToken);
        var stopTime = clock.GetUtcNow();
        var (startLsn, timeline) = ParseLabel(copied.Label);
        if (copied.SystemIdentifier != facts.SystemIdentifier)
        {
            throw new IOException($"the pg_control read from {dataDirectory} names cluster {copied.SystemIdentifier}, not the server's {facts.SystemIdentifier}; the backup is not recorded");
        }
        // A primary's backup starts and stops on one timeline (standbys are streamed, never read here).
        var info = new BaseBackupInfo(facts.SystemIdentifier, timeline, startLsn, copied.StopLsn, timeline, facts.SegmentSize, facts.VersionNumber, stopTime);
        await DataDirectoryBackup.WaitArchivedAsync(sink.Repository, facts.SystemIdentifier, info.StopSegment, archiveTimeout ?? TimeSpan.FromMinutes(5), cancellationToken);
        var metadata = info.ToMetadata();
        metadata["method"] = "local";
        metadata["data_directory"] = dataDirectory;
        metadata["bytes"] = copied.Directory.Bytes.ToString(CultureInfo.InvariantCulture);
        metadata["files"] = copied.Directory.Files.ToString(CultureInfo.InvariantCulture);
        metadata["vanished_files"] = copied.Vanished.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }

    private async Task<Dictionary<string, string>> ProduceStreamAsync(StreamSink sink, ServerFacts facts, CancellationToken cancellationToken)
    {
        var program = PostgresTools.Find("pg_basebackup", facts.VersionNumber / 10000);
        var environment = connection.Environment(connection.Database ?? "postgres");
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
        var (startLsn, timeline) = ParseLabel(Encoding.UTF8.GetString(tar.Captured(Label) ?? throw new IOException("the base backup holds no backup_label")));
        var (stopLsn, stopTimeline) = ParseManifestTail(tar.Captured(Manifest) ?? throw new IOException("the base backup holds no backup_manifest"));
        var control = tar.Captured(Control) ?? throw new IOException("the base backup holds no global/pg_control");
        var systemIdentifier = control.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(control) : 0;
        if (systemIdentifier != facts.SystemIdentifier)
        {
            throw new IOException($"the backup's pg_control names cluster {systemIdentifier}, but the server said {facts.SystemIdentifier}");
        }
        var info = new BaseBackupInfo(systemIdentifier, timeline, startLsn, stopLsn, stopTimeline, facts.SegmentSize, facts.VersionNumber, stopTime);
        var metadata = info.ToMetadata();
        metadata["method"] = "stream";
        metadata["bytes"] = stored.Size.ToString(CultureInfo.InvariantCulture);
        metadata["members"] = tar.Members.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }

    private sealed record ServerFacts(string Version, int VersionNumber, ulong SystemIdentifier, long SegmentSize, string ArchiveCommand,
        string? DataDirectory, bool InRecovery);

    private async Task<ServerFacts> ReadServerAsync(CancellationToken cancellationToken)
    {
        await using var db = await connection.OpenAsync(null, cancellationToken);
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
            + "(SELECT system_identifier FROM pg_control_system())::text, (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size')::bigint, "
            + "current_setting('archive_mode'), current_setting('archive_command'), pg_is_in_recovery(), "
            // pg_settings hides data_directory from logins without pg_read_all_settings: then it is null, and the backup streams.
            + "(SELECT setting FROM pg_settings WHERE name = 'data_directory'), "
            + "(SELECT count(*) FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global'))::int, "
            // A 'lifeboat wal receive' streaming from a physical slot archives the WAL without archive_command.
            + "(SELECT count(*) FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid "
            + $"WHERE s.slot_type = 'physical' AND r.application_name = '{WalReceiver.ApplicationName}')::int";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var inRecovery = reader.GetBoolean(6);
        var facts = new ServerFacts(reader.GetString(0), reader.GetInt32(1), ulong.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
            reader.GetInt64(3), reader.GetString(5), reader.IsDBNull(7) ? null : reader.GetString(7), inRecovery);
        var archiveMode = reader.GetString(4);
        if (reader.GetInt32(8) > 0)
        {
            throw new NotSupportedException($"{connection.Display} has tablespaces outside its data directory, which Lifeboat's base backups do not cover yet; "
                + "nothing was backed up (take a logical backup, or move the tablespaces into pg_default)");
        }
        if (reader.GetInt32(9) > 0 && !inRecovery)
        {
            return facts;
        }
        if (archiveMode == "off" || (inRecovery && archiveMode != "always"))
        {
            throw new InvalidOperationException($"{connection.Display} has archive_mode = {archiveMode}{(inRecovery ? " on a standby" : "")}: a physical backup "
                + "needs the WAL archive to be restored, so point-in-time recovery is impossible and nothing was backed up. Set archive_mode = on "
                + "and archive_command = 'lifeboat wal push %p' (restart the server), or run 'lifeboat wal receive' from a replication slot, or take a logical backup instead");
        }
        if (facts.ArchiveCommand.Length == 0 || facts.ArchiveCommand == "(disabled)")
        {
            throw new InvalidOperationException($"{connection.Display} has archive_mode = on but no archive_command: set archive_command = 'lifeboat wal push %p'; nothing was backed up");
        }
        return facts;
    }

    private static (Lsn, uint) ParseLabel(string label)
    {
        Lsn? start = null;
        uint? timeline = null;
        foreach (var line in label.Split('\n'))
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
