using System.Diagnostics;
using Lifeboat.Tests.Cli;
using Microsoft.Data.Sqlite;
using static Lifeboat.Tests.Sqlite.SqliteTestDatabase;

namespace Lifeboat.Tests.Sqlite;

/// <summary>
/// Backups of a live database (WAL and rollback-journal mode) while other threads commit, and restores over a crashed
/// writer's WAL.
/// </summary>
public sealed class SqliteConcurrentBackupTests
{
    private const int Writers = 3;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_backup_under_three_concurrent_writers_is_one_consistent_point_in_time(bool wal)
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var live = temp["live.db"];
        using (var setup = Open(live, wal))
        {
            // Every transaction appends the writer's next sequence number to 'counter' and moves one unit between
            // two accounts: a consistent copy has contiguous sequences per writer and a constant total.
            Execute(setup, """
                CREATE TABLE counter(writer INTEGER, seq INTEGER, payload BLOB, PRIMARY KEY(writer, seq));
                CREATE TABLE accounts(id INTEGER PRIMARY KEY, amount INTEGER);
                CREATE TABLE filler(id INTEGER PRIMARY KEY, data BLOB);
                INSERT INTO accounts VALUES (1, 1000000), (2, 0);
                """);
            // Some bulk so that the copy takes a while and overlaps the writers.
            Execute(setup, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) INSERT INTO filler SELECT i, randomblob(1000) FROM n");
        }

        using var stop = new CancellationTokenSource();
        var committed = new long[Writers];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => Write(live, wal, w, committed, stop.Token))).ToArray();
        long before, during;
        CliRunner.Result backup;
        try
        {
            await WaitUntilAsync(() => committed.All(c => c >= 20), writers);
            before = committed.Sum();
            backup = await CliRunner.RunAsync(environment, "backup", "sqlite", live);
            during = committed.Sum();
            await WaitUntilAsync(() => committed.Sum() >= during + 20, writers);
        }
        finally
        {
            // Also when an assertion failed: no writer thread outlives the test.
            await stop.CancelAsync();
        }
        await Task.WhenAll(writers);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.True(during > before, "the writers committed nothing while the backup ran, so the test proves nothing");

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--scratch", temp["drill"], "--verify-query", "PRAGMA integrity_check=ok");
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        using var copy = Open(temp["drill/live.db"]);
        long total = 0;
        for (var w = 0; w < Writers; w++)
        {
            var count = (long)Scalar(copy, $"SELECT count(*) FROM counter WHERE writer = {w}")!;
            var max = (long)(Scalar(copy, $"SELECT coalesce(max(seq), 0) FROM counter WHERE writer = {w}") ?? 0L);
            Assert.Equal(max, count);
            Assert.InRange(count, 1, committed[w]);
            total += count;
        }
        Assert.Equal(1000000L, (long)Scalar(copy, "SELECT sum(amount) FROM accounts")!);
        Assert.Equal(total, (long)Scalar(copy, "SELECT amount FROM accounts WHERE id = 2")!);
        Assert.InRange(total, before, committed.Sum());
    }

    private static void Write(string path, bool wal, int writer, long[] committed, CancellationToken stop)
    {
        using var connection = Open(path, wal);
        var random = new Random(writer);
        for (long seq = 1; !stop.IsCancellationRequested; seq++)
        {
            try
            {
                Commit(connection, writer, seq, random);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 5)
            {
                // Rollback-journal locking is not fair: a writer that waited out its busy timeout tries again.
                seq--;
                continue;
            }
            Interlocked.Exchange(ref committed[writer], seq);
            if (!wal)
            {
                // Let the other writers (and the backup) take the lock between transactions.
                Thread.Sleep(1);
            }
        }
    }

    private static void Commit(SqliteConnection connection, int writer, long seq, Random random)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO counter VALUES ($writer, $seq, $payload);
            UPDATE accounts SET amount = amount - 1 WHERE id = 1;
            UPDATE accounts SET amount = amount + 1 WHERE id = 2;
            """;
        command.Parameters.AddWithValue("$writer", writer);
        command.Parameters.AddWithValue("$seq", seq);
        var payload = new byte[random.Next(10, 3000)];
        random.NextBytes(payload);
        command.Parameters.AddWithValue("$payload", payload);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Task[] writers)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (writers.FirstOrDefault(w => w.IsFaulted) is { } failed)
            {
                await failed;
            }
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), "the writers made no progress");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_crashed_writers_wal_moves_aside_with_the_old_file_and_is_never_replayed_into_the_restored_one()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var live = temp["app.db"];
        CreateSample(live, 100, wal: true);
        var original = Dump(live);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", live)).ExitCode);

        // sqlite3 commits into the WAL and is killed before it can checkpoint: the -wal holds the only copy.
        var sqlite = Process.Start(new ProcessStartInfo("sqlite3", [live]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        await sqlite.StandardInput.WriteLineAsync("PRAGMA journal_mode=WAL; DELETE FROM users WHERE id > 3; INSERT INTO settings VALUES ('crashed', 'yes'); SELECT 'done';");
        await sqlite.StandardInput.FlushAsync();
        Assert.Equal("wal", await sqlite.StandardOutput.ReadLineAsync());
        Assert.Equal("done", await sqlite.StandardOutput.ReadLineAsync());
        sqlite.Kill();
        await sqlite.WaitForExitAsync();
        Assert.True(new FileInfo(live + "-wal").Length > 0);

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", live);

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(original, Dump(live));
        var aside = Directory.GetFiles(temp.Path, "app.db.before-restore.*").Single(f => !f.EndsWith("-wal") && !f.EndsWith("-shm"));
        Assert.True(File.Exists(aside + "-wal"));
        using var kept = Open(aside);
        Assert.Equal(3L, (long)Scalar(kept, "SELECT count(*) FROM users")!);
        Assert.Equal("yes", (string)Scalar(kept, "SELECT value FROM settings WHERE key = 'crashed'")!);
    }
}
