using Lifeboat.FileSystem;
using Lifeboat.Tests.Cli;
using static Lifeboat.Tests.Sqlite.SqliteTestDatabase;

namespace Lifeboat.Tests.Sqlite;

/// <summary>'lifeboat backup sqlite' and 'lifeboat restore sqlite' through the real CLI.</summary>
public sealed class SqliteCliTests
{
    [Fact]
    public async Task A_database_round_trips_row_by_row_and_the_replaced_file_is_kept_aside_with_the_same_owner_and_mode()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var live = temp["app.sqlite"];
        CreateSample(live, 3000);
        var original = Dump(live);

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", live, "--component", "app-db");
        Assert.True(backup.ExitCode == 0, backup.Stderr);

        using (var connection = Open(live))
        {
            Execute(connection, "DELETE FROM users WHERE id > 100; UPDATE settings SET value = 'light' WHERE key = 'theme'");
        }
        var damaged = Dump(live);
        File.SetUnixFileMode(live, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Posix.LChown(live, 999, 999);

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--component", "app-db", "--target", live,
            "--verify-query", "SELECT count(*) FROM users=3000", "--verify-query", "SELECT value FROM settings WHERE key='theme'=dark");

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(original, Dump(live));
        var aside = Assert.Single(Directory.GetFiles(temp.Path, "app.sqlite.before-restore.*"), f => !f.EndsWith("-wal") && !f.EndsWith("-shm"));
        Assert.Matches(@"app\.sqlite\.before-restore\.\d{8}T\d{6}Z$", aside);
        Assert.Equal(damaged, Dump(aside));
        var status = Posix.LStat(live);
        Assert.Equal((999u, 999u), (status.Uid, status.Gid));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, status.Permissions);
        Assert.Contains("kept as", restore.Stdout);
        Assert.Empty(Directory.GetFiles(temp.Path, ".*"));
    }

    [Fact]
    public async Task The_snapshot_records_what_verification_needs()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["shop.db"], 500, wal: true);

        var backup = await CliRunner.RunAsync(environment, "--json", "backup", "sqlite", temp["shop.db"]);

        Assert.True(backup.ExitCode == 0, backup.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(backup.Stdout);
        var source = json.RootElement.GetProperty("source");
        Assert.Equal("sqlite", source.GetProperty("kind").GetString());
        Assert.Equal("ok", source.GetProperty("integrity").GetString());
        Assert.Equal("wal", source.GetProperty("journal_mode").GetString());
        Assert.Equal("500", source.GetProperty("rows.users").GetString());
        Assert.Equal("500", source.GetProperty("rows.order items").GetString());
        Assert.Equal("4", source.GetProperty("rows.settings").GetString());
        Assert.Equal("3", source.GetProperty("tables").GetString());
        Assert.Equal("shop.db", source.GetProperty("stream").GetString());
        Assert.StartsWith("3.", source.GetProperty("sqlite_version").GetString());
        Assert.True(long.Parse(source.GetProperty("page_count").GetString()!) > 1);
        Assert.Equal(new FileInfo(temp["shop.db"]).Length, long.Parse(source.GetProperty("page_count").GetString()!) * long.Parse(source.GetProperty("page_size").GetString()!));
    }

    [Fact]
    public async Task A_failing_or_writing_verify_query_exits_1_and_leaves_the_live_file_untouched()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var live = temp["app.db"];
        CreateSample(live, 200);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", live)).ExitCode);
        using (var connection = Open(live))
        {
            Execute(connection, "DELETE FROM users WHERE id > 10");
        }
        var before = File.ReadAllBytes(live);

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", live, "--verify-query", "SELECT count(*) FROM users=199");
        var writing = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", live, "--verify-query", "DELETE FROM users RETURNING 1=1");

        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("returned '200', expected '199'", restore.Stderr);
        Assert.Equal(1, writing.ExitCode);
        Assert.Contains("readonly", writing.Stderr);
        Assert.Equal(before, File.ReadAllBytes(live));
        Assert.Equal(["app.db"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_scratch_restore_and_a_restore_to_a_new_path_write_new_verified_files_and_scratch_never_overwrites()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["app.db"], 300, wal: true);
        var original = Dump(temp["app.db"]);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", temp["app.db"])).ExitCode);

        var scratch = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--scratch", temp["drill"], "--verify-query", "SELECT count(*) FROM \"order items\"=300");
        var fresh = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", temp["new/app.db"]);
        Directory.CreateDirectory(temp["existing"]);
        var created = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", temp["existing/app.db"]);
        var again = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--scratch", temp["drill"]);

        Assert.True(scratch.ExitCode == 0, scratch.Stderr);
        Assert.Equal(original, Dump(temp["drill/app.db"]));
        // A missing directory is created; a new file takes the mode the backup recorded, not 0600.
        Assert.True(fresh.ExitCode == 0, fresh.Stderr);
        Assert.Equal(original, Dump(temp["new/app.db"]));
        Assert.Equal(File.GetUnixFileMode(temp["app.db"]), File.GetUnixFileMode(temp["new/app.db"]));
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal(original, Dump(temp["existing/app.db"]));
        Assert.Equal(File.GetUnixFileMode(temp["app.db"]), File.GetUnixFileMode(temp["existing/app.db"]));
        Assert.DoesNotContain("kept as", created.Stdout);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
    }

    [Theory]
    [InlineData("not-a-database", "is not a SQLite database")]
    [InlineData("empty", "is empty")]
    [InlineData("missing", "there is no SQLite database")]
    [InlineData("directory", "is a directory")]
    public async Task A_file_that_is_not_a_database_records_no_snapshot_and_says_why(string kind, string expected)
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var path = temp["input.db"];
        switch (kind)
        {
            case "not-a-database": File.WriteAllText(path, "this is a text file that is long enough to hold a header\n"); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "directory": Directory.CreateDirectory(path); break;
        }

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", path);

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains(expected, backup.Stderr);
        Assert.Equal(0, SnapshotCount(temp));
    }

    [Fact]
    public async Task A_database_with_a_valid_header_but_damaged_pages_fails_the_integrity_check_and_records_nothing()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var path = temp["broken.db"];
        CreateSample(path, 2000);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            // Page 1 (the header and schema) stays intact; table and index pages further in are overwritten.
            file.Position = 4096 * 3;
            file.Write(Enumerable.Repeat((byte)0x5A, 4096 * 4).ToArray());
        }

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", path);

        Assert.Equal(1, backup.ExitCode);
        Assert.Matches("integrity_check|malformed", backup.Stderr);
        Assert.Equal(0, SnapshotCount(temp));
    }

    [Fact]
    public async Task A_database_held_locked_by_a_writer_fails_after_the_busy_timeout_and_records_nothing()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["busy.db"], 50);
        using var writer = Open(temp["busy.db"]);
        Execute(writer, "BEGIN EXCLUSIVE; INSERT INTO settings VALUES ('pending', 1)");

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", temp["busy.db"], "--busy-timeout", "1");

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("locked", backup.Stderr);
        Assert.Equal(0, SnapshotCount(temp));
        Execute(writer, "ROLLBACK");
    }

    [Fact]
    public async Task A_restore_over_a_database_another_process_has_open_is_refused_and_changes_nothing()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        var live = temp["app.db"];
        CreateSample(live, 100, wal: true);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", live)).ExitCode);
        using var application = Open(live);
        Execute(application, "DELETE FROM users WHERE id > 5");
        var before = Dump(live);

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", live);

        Assert.Equal(1, restore.ExitCode);
        Assert.Contains($"pid {Environment.ProcessId}", restore.Stderr);
        Assert.Contains("stop the application", restore.Stderr);
        Assert.Equal(before, Dump(live));
        Assert.Empty(Directory.GetFiles(temp.Path, "*before-restore*"));
    }

    [Fact]
    public async Task A_backup_leaves_an_idle_database_byte_for_byte_and_its_directory_without_new_files()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        Directory.CreateDirectory(temp["data"]);
        CreateSample(temp["data/app.db"], 200, wal: true);
        var bytes = File.ReadAllBytes(temp["data/app.db"]);

        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", temp["data/app.db"]);

        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.Equal(["app.db"], Directory.GetFileSystemEntries(temp["data"]).Select(Path.GetFileName));
        Assert.Equal(bytes, File.ReadAllBytes(temp["data/app.db"]));
    }

    [Fact]
    public async Task A_target_that_is_a_symbolic_link_replaces_the_database_it_points_to_and_keeps_the_link()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        CreateSample(temp["real.db"], 100);
        var original = Dump(temp["real.db"]);
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "sqlite", temp["real.db"])).ExitCode);
        using (var connection = Open(temp["real.db"]))
        {
            Execute(connection, "DELETE FROM users");
        }
        File.CreateSymbolicLink(temp["current.db"], "real.db");

        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--target", temp["current.db"]);

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal("real.db", new FileInfo(temp["current.db"]).LinkTarget);
        Assert.Equal(original, Dump(temp["real.db"]));
        Assert.Single(Directory.GetFiles(temp.Path, "real.db.before-restore.*"));
    }

    [Fact]
    public async Task A_database_lost_with_its_directory_is_restored_into_a_new_directory_with_the_recorded_mode_and_owner()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        Directory.CreateDirectory(temp["srv/app/data"]);
        var live = temp["srv/app/data/app.db"];
        CreateSample(live, 300);
        var original = Dump(live);
        File.SetUnixFileMode(live, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(temp["srv/app/data"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        Posix.LChown(live, 999, 998);
        Posix.LChown(temp["srv/app/data"], 999, 998);
        var backup = await CliRunner.RunAsync(environment, "backup", "sqlite", live, "--component", "app-db");
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        // The disk is lost: the database goes with its directory and the one above it.
        Directory.Delete(temp["srv/app"], recursive: true);

        var failing = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--component", "app-db", "--target", live,
            "--verify-query", "SELECT count(*) FROM users=1");
        var leftBehind = Directory.Exists(temp["srv/app"]);
        var restore = await CliRunner.RunAsync(environment, "restore", "sqlite", "latest", "--component", "app-db", "--target", live,
            "--verify-query", "SELECT count(*) FROM users=300");

        // A failed restore creates nothing; a good one recreates the directories and the file as they were.
        Assert.Equal(1, failing.ExitCode);
        Assert.False(leftBehind);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(original, Dump(live));
        var file = Posix.LStat(live);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, file.Permissions);
        Assert.Equal((999u, 998u), (file.Uid, file.Gid));
        var directory = Posix.LStat(temp["srv/app/data"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, directory.Permissions);
        Assert.Equal((999u, 998u), (directory.Uid, directory.Gid));
        Assert.DoesNotContain("kept as", restore.Stdout);
    }
}
