using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// A base backup read straight from the data directory on this machine, as pgBackRest and Barman's rsync method do:
/// <c>pg_backup_start</c> on one session, the directory read in parallel into the snapshot at <see cref="DataPath"/>
/// (files stay files, so a restore writes them in parallel and unchanged ones deduplicate file by file), global/pg_control
/// read last (<see cref="ControlName"/>), then <c>pg_backup_stop</c>, whose backup_label is stored beside them, and a
/// wait until the repository holds the backup's last WAL segment (<see cref="WaitArchivedAsync"/>). Pages torn by concurrent writes are repaired by
/// replaying WAL from the start LSN, which the archive holds; a file PostgreSQL removes during the copy is left out
/// (replay removes it too), but any other file that cannot be read fails the backup. If anything fails, the session
/// closes and the server ends the backup itself.
/// </summary>
internal static class DataDirectoryBackup
{
    /// <summary>The snapshot directory that holds the data directory.</summary>
    public const string DataPath = "data";

    /// <summary>The stream holding the backup_label that pg_backup_stop returned.</summary>
    public const string LabelName = "backup_label";

    /// <summary>The stream holding global/pg_control, read after every other file as pg_basebackup does.</summary>
    public const string ControlName = "pg_control";

    /// <summary>The result: the label's text, the stop LSN and what was read.</summary>
    public sealed record Copied(string Label, Wal.Lsn StopLsn, StreamedDirectory Directory, int Vanished, ulong SystemIdentifier);

    /// <summary>Reads the system identifier in <paramref name="dataDirectory"/>'s pg_control; null when it cannot be read here.</summary>
    public static ulong? SystemIdentifierOf(string dataDirectory)
    {
        try
        {
            using var control = File.OpenRead(Path.Combine(dataDirectory, "global", "pg_control"));
            Span<byte> head = stackalloc byte[8];
            control.ReadExactly(head);
            return BinaryPrimitives.ReadUInt64LittleEndian(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Runs the backup into <paramref name="sink"/>; the connection is dedicated to it.</summary>
    public static async Task<Copied> RunAsync(NpgsqlConnection db, int versionNumber, string dataDirectory, StreamSink sink, CancellationToken cancellationToken)
    {
        // Since PostgreSQL 15 the functions are pg_backup_start/stop; before, pg_start/stop_backup with exclusive = false.
        var modern = versionNumber >= 150000;
        await ScalarAsync(db, modern ? "SELECT pg_backup_start('lifeboat', true)::text" : "SELECT pg_start_backup('lifeboat', true, false)::text", cancellationToken);
        var directory = await sink.AddDirectoryAsync(DataPath, dataDirectory, new DataDirectoryFilter(dataDirectory).IsExcluded, cancellationToken);
        var vanished = 0;
        foreach (var error in directory.Errors)
        {
            var path = error.Split(": ", 2)[0];
            if (File.Exists(path) || Directory.Exists(path))
            {
                throw new IOException($"{error}; the base backup is incomplete and nothing was recorded (run the backup as the data directory's owner or as root)");
            }
            vanished++;
        }
        var control = await File.ReadAllBytesAsync(Path.Combine(dataDirectory, DataDirectoryFilter.ControlFile), cancellationToken);
        if (control.Length < 8)
        {
            throw new IOException($"{Path.Combine(dataDirectory, DataDirectoryFilter.ControlFile)} is {control.Length} bytes long; the base backup is not recorded");
        }
        await sink.AddAsync(ControlName, new MemoryStream(control), cancellationToken);
        await using var stop = db.CreateCommand();
        // Without waiting for the archiver: the server's own wait polls once a second; the source waits for the
        // segment to be in the repository instead (WaitArchivedAsync), which is also the stronger check.
        stop.CommandText = modern ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)" : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
        stop.CommandTimeout = 0;
        await using var reader = await stop.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var stopLsn = Wal.Lsn.Parse(reader.GetString(0));
        var label = reader.GetString(1);
        var map = reader.IsDBNull(2) ? "" : reader.GetString(2);
        if (map.Length > 0)
        {
            throw new NotSupportedException("the cluster has tablespaces outside its data directory, which Lifeboat's base backups do not cover yet; nothing was recorded");
        }
        await sink.AddAsync(LabelName, new MemoryStream(Encoding.UTF8.GetBytes(label)), cancellationToken);
        return new Copied(label, stopLsn, directory, vanished, BinaryPrimitives.ReadUInt64LittleEndian(control));
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        // A fast checkpoint of a busy server can outlast the default query timeout.
        command.CommandTimeout = 0;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// Waits until the archive in <paramref name="repository"/> holds <paramref name="segment"/>, polling every 100 ms
    /// (PostgreSQL's own wait polls once a second); throws when <paramref name="timeout"/> passes first, because a
    /// backup whose WAL is not in its repository could never be restored from it.
    /// </summary>
    public static async Task WaitArchivedAsync(Repository.Repository repository, ulong systemIdentifier, string segment, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var archive = new Wal.WalArchive(repository);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await archive.HoldsAsync(systemIdentifier, segment, cancellationToken))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the backup's last WAL segment {segment} did not reach this repository within {timeout.TotalSeconds:0} s; "
                    + "check that archive_command runs 'lifeboat wal push %p' into this repository and what pg_stat_archiver says; nothing was recorded");
            }
            await Task.Delay(100, cancellationToken);
        }
    }
}
