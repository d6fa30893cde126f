using System.Globalization;
using Lifeboat.Tests.Cli;
using Lifeboat.Testing;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Tests.Sqlite;

/// <summary>Builds SQLite databases for the tests, dumps them row by row, and makes repositories to back them up into.</summary>
internal static class SqliteTestDatabase
{
    public static SqliteConnection Open(string path, bool wal = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000");
        if (wal)
        {
            Execute(connection, "PRAGMA journal_mode = WAL");
        }
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Three tables of every storage class (integers, reals, text with quotes and Unicode, blobs, NULLs) and an index.</summary>
    public static void CreateSample(string path, int rows, bool wal = false)
    {
        using var connection = Open(path, wal);
        Execute(connection, """
            CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, balance REAL, avatar BLOB);
            CREATE INDEX users_email ON users(email);
            CREATE TABLE "order items"(id INTEGER PRIMARY KEY, user_id INTEGER, sku TEXT, qty INTEGER);
            CREATE TABLE settings(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
            """);
        var random = new Random(42);
        using var transaction = connection.BeginTransaction();
        for (var i = 1; i <= rows; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO users VALUES ($id, $name, $email, $balance, $avatar); INSERT INTO \"order items\"(user_id, sku, qty) VALUES ($id, $sku, $qty)";
            insert.Parameters.AddWithValue("$id", i);
            insert.Parameters.AddWithValue("$name", $"user 'ü{i}' \"quoted\"");
            insert.Parameters.AddWithValue("$email", i % 7 == 0 ? DBNull.Value : $"u{i}@example.org");
            insert.Parameters.AddWithValue("$balance", random.NextDouble() * 1e6 - 5e5);
            var avatar = new byte[random.Next(0, 600)];
            random.NextBytes(avatar);
            insert.Parameters.AddWithValue("$avatar", avatar);
            insert.Parameters.AddWithValue("$sku", "SKU-" + random.Next());
            insert.Parameters.AddWithValue("$qty", random.NextInt64(long.MinValue, long.MaxValue));
            insert.ExecuteNonQuery();
        }
        Execute(connection, "INSERT INTO settings VALUES ('theme', 'dark'), ('limit', 10), ('ratio', 0.25), ('none', NULL)");
        transaction.Commit();
    }

    /// <summary>Every row of every table (and the schema), each value with its storage class, in a stable order.</summary>
    public static List<string> Dump(string path)
    {
        using var connection = Open(path);
        var lines = new List<string>();
        var tables = new List<string>();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = "SELECT type, name, sql FROM sqlite_schema ORDER BY name";
            using var reader = schema.ExecuteReader();
            while (reader.Read())
            {
                lines.Add($"schema {reader.GetString(0)} {reader.GetString(1)}: {(reader.IsDBNull(2) ? "" : reader.GetString(2))}");
                if (reader.GetString(0) == "table")
                {
                    tables.Add(reader.GetString(1));
                }
            }
        }
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
                {
                    DBNull => "NULL",
                    byte[] bytes => "x'" + Convert.ToHexString(bytes) + "'",
                    double d => "r" + d.ToString("R", CultureInfo.InvariantCulture),
                    long l => "i" + l.ToString(CultureInfo.InvariantCulture),
                    string s => "t'" + s + "'",
                    var other => other.ToString()!,
                });
                lines.Add(table + ": " + string.Join(" | ", values));
            }
        }
        return lines;
    }

    public static async Task<(TempDirectory Temp, Dictionary<string, string?> Environment)> RepositoryAsync()
    {
        var temp = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"] };
        var init = await CliRunner.RunAsync(environment, "init");
        Assert.True(init.ExitCode == 0, init.Stderr);
        return (temp, environment);
    }

    public static int SnapshotCount(TempDirectory temp) => Directory.GetFiles(temp["repo/snapshots"]).Length;
}
