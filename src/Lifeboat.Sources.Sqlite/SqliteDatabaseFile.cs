using System.Text;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// A SQLite database file on disk: its header check, its sidecar files (<c>-wal</c>, <c>-shm</c>, <c>-journal</c>),
/// and connections to it that fail with a message saying what to do instead of a bare SQLite error code.
/// </summary>
public sealed class SqliteDatabaseFile
{
    /// <summary>The suffixes SQLite appends to a database's path for its write-ahead log, shared memory and rollback journal.</summary>
    public static readonly IReadOnlyList<string> SidecarSuffixes = ["-wal", "-shm", "-journal"];

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <summary>Names the database at <paramref name="path"/> (made absolute); nothing is opened yet.</summary>
    public SqliteDatabaseFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Throws <see cref="FileNotFoundException"/> when there is no file, and <see cref="IOException"/> when it is a
    /// directory, empty, or does not start with the SQLite header.
    /// </summary>
    public void EnsureIsDatabase()
    {
        if (Directory.Exists(Path))
        {
            throw new IOException($"{Path} is a directory, not a SQLite database file");
        }
        if (!File.Exists(Path))
        {
            throw new FileNotFoundException($"there is no SQLite database at {Path}; check the path", Path);
        }
        var header = new byte[Magic.Length];
        int read;
        using (var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        if (read == 0)
        {
            throw new IOException($"{Path} is empty, not a SQLite database; check the path");
        }
        if (read < header.Length || !header.AsSpan().SequenceEqual(Magic))
        {
            throw new IOException($"{Path} is not a SQLite database (it does not start with the 'SQLite format 3' header); check the path");
        }
    }

    /// <summary>
    /// Opens a connection without pooling (so closing really closes the file and lets SQLite remove its sidecars),
    /// with <paramref name="busyTimeout"/> as SQLite's busy timeout. <paramref name="queryOnly"/> makes every write
    /// through it fail, for running queries a user supplied against a copy.
    /// </summary>
    public SqliteConnection Open(SqliteOpenMode mode, TimeSpan busyTimeout, bool queryOnly = false)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
            if (queryOnly)
            {
                Execute(connection, "PRAGMA query_only = ON");
            }
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Explain(e, "open");
        }
    }

    /// <summary>Runs <paramref name="sql"/> and returns the first column of the first row as text (null for SQL NULL or no row).</summary>
    public static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        return value is null or DBNull ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a statement that returns nothing of interest.</summary>
    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The path of a sidecar of this database (<paramref name="suffix"/> from <see cref="SidecarSuffixes"/>).</summary>
    public string Sidecar(string suffix) => Path + suffix;

    /// <summary>
    /// Turns a SQLite error while doing <paramref name="action"/> into an <see cref="IOException"/> whose message names
    /// the file and, for the common cases (busy, locked, not a database, read-only), what to do next.
    /// </summary>
    public IOException Explain(SqliteException e, string action)
    {
        var advice = e.SqliteErrorCode switch
        {
            5 or 6 => "the database is locked by another connection that kept it busy past the timeout; retry when its writer is idle, or raise --busy-timeout",
            26 => "the file is not a SQLite database (or it is encrypted)",
            11 => "the database file is malformed",
            8 => "the file or its directory is read-only to this user",
            14 => "the file or its -wal/-shm sidecar could not be opened; check permissions on the file and its directory",
            _ => e.Message,
        };
        return new IOException($"could not {action} the SQLite database {Path}: {advice} (SQLite error {e.SqliteErrorCode}: {e.Message})", e);
    }
}
