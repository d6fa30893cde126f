using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// A live SQLite database as a source. SQLite's online backup API copies it, in one step under one read transaction,
/// into a private temporary file (a consistent point in time, also in WAL mode while other processes write); the copy
/// must pass <c>PRAGMA integrity_check</c> before it is streamed into the snapshot as <c>NAME.db</c>, and the copy
/// is deleted afterwards. Nothing is written through the connection to the live database (it is query-only).
/// </summary>
/// <remarks>
/// The copy lives in a new 0700 directory (the file itself 0600) under <see cref="SqliteSourceOptions.TemporaryDirectory"/>,
/// by default <c>$TMPDIR</c> or <c>/tmp</c>; it needs as much free space as the database and its WAL, which is checked
/// before copying.
/// </remarks>
public sealed class SqliteSource(string path, SqliteSourceOptions? options = null) : ISource
{
    /// <summary>How many tables' row counts the snapshot records (the largest ones).</summary>
    public const int RecordedTables = 20;

    private readonly SqliteDatabaseFile _database = new(path);
    private readonly SqliteSourceOptions _options = options ?? new SqliteSourceOptions();

    /// <inheritdoc/>
    public string Kind => "sqlite";

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => [_database.Path];

    /// <summary>The stream name a database file is stored under: its file name without extension, plus <c>.db</c>.</summary>
    public static string StreamName(string databasePath)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(databasePath);
        return (stem.Length == 0 ? "database" : stem) + ".db";
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        _database.EnsureIsDatabase();
        var stream = StreamName(_database.Path);
        var folder = CreatePrivateDirectory();
        try
        {
            EnsureFreeSpace(folder);
            var copy = new SqliteDatabaseFile(System.IO.Path.Combine(folder, stream));
            var metadata = await Task.Run(() => CopyAndCheck(copy), cancellationToken);
            metadata["path"] = _database.Path;
            // So that a restore into a lost directory recreates the file and directory as they were, not 0600.
            SqliteFileOwnership.Of(_database.Path).AddTo(metadata);
            metadata["stream"] = stream;
            await using var file = new FileStream(copy.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var stored = await sink.AddAsync(stream, file, cancellationToken);
            metadata["bytes"] = stored.Size.ToString(CultureInfo.InvariantCulture);
            return metadata;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private Dictionary<string, string> CopyAndCheck(SqliteDatabaseFile copy)
    {
        // Created empty with mode 0600 first: SQLite would create it with the umask's default mode.
        new FileStream(copy.Path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }).Dispose();
        string journalMode;
        // Read-write but query-only: nothing is written through it, yet SQLite can do what any opener does (roll back
        // a crashed writer's hot journal, remove the -wal and -shm it created when it is the last connection), which
        // a read-only connection cannot.
        using (var source = _database.Open(SqliteOpenMode.ReadWrite, _options.BusyTimeout, queryOnly: true))
        using (var destination = copy.Open(SqliteOpenMode.ReadWrite, _options.BusyTimeout))
        {
            try
            {
                journalMode = SqliteDatabaseFile.Scalar(source, "PRAGMA journal_mode") ?? "unknown";
                // One step over all pages: the whole copy is taken under a single read transaction, so it is one
                // point in time; writers in WAL mode go on meanwhile, in rollback mode they wait for it.
                source.BackupDatabase(destination);
            }
            catch (SqliteException e)
            {
                throw _database.Explain(e, "back up");
            }
        }
        using var check = copy.Open(SqliteOpenMode.ReadWrite, _options.BusyTimeout, queryOnly: true);
        try
        {
            SqliteVerifier.CheckIntegrity(check, _database.Path + " (its backup copy)");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["sqlite_version"] = SqliteDatabaseFile.Scalar(check, "SELECT sqlite_version()") ?? "",
                ["page_size"] = SqliteDatabaseFile.Scalar(check, "PRAGMA page_size") ?? "",
                ["page_count"] = SqliteDatabaseFile.Scalar(check, "PRAGMA page_count") ?? "",
                ["journal_mode"] = journalMode,
                ["integrity"] = "ok",
            };
            var counts = SqliteVerifier.CountRows(check);
            metadata["tables"] = counts.Count.ToString(CultureInfo.InvariantCulture);
            foreach (var (table, rows) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(RecordedTables))
            {
                metadata[SqliteVerifier.RowCountPrefix + table] = rows.ToString(CultureInfo.InvariantCulture);
            }
            return metadata;
        }
        catch (SqliteException e)
        {
            throw copy.Explain(e, "check the backup copy of");
        }
    }

    private string CreatePrivateDirectory()
    {
        if (_options.TemporaryDirectory is null)
        {
            return Directory.CreateTempSubdirectory("lifeboat-sqlite-").FullName;
        }
        if (!Directory.Exists(_options.TemporaryDirectory))
        {
            throw new DirectoryNotFoundException($"the temporary directory {_options.TemporaryDirectory} does not exist; create it or choose another with --temp-dir");
        }
        var folder = System.IO.Path.Combine(_options.TemporaryDirectory, "lifeboat-sqlite-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    private void EnsureFreeSpace(string folder)
    {
        var needed = new FileInfo(_database.Path).Length;
        var wal = new FileInfo(_database.Sidecar("-wal"));
        if (wal.Exists)
        {
            needed += wal.Length;
        }
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < needed)
        {
            throw new IOException($"the backup copy of {_database.Path} needs up to {needed} bytes but {folder} has {free} free: free space there or choose another place with --temp-dir");
        }
    }
}
