using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Logical;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>Bad input to the logical backup and restore: each a clear error, no snapshot recorded, no database created.</summary>
public sealed class LogicalBadInputTests
{
    [Fact]
    public async Task Wrong_password_unreachable_server_and_missing_database_each_fail_clearly_recording_nothing()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 10);
        var databases = await db.DatabasesAsync();
        var wrongPassword = await CliRunner.RunAsync(new Dictionary<string, string?>(db.Environment) { ["PGPASSWORD"] = "not-it" },
            "backup", "postgres", "--connection", db.Url);
        var unreachable = await db.RunAsync("backup", "postgres", "--connection", $"postgresql://lifeboat@127.0.0.1:{PostgresServer.FreePort()}/shop");
        var missing = await db.RunAsync("backup", "postgres", "--connection", db.Server.Url("no_such_db"));
        var noDatabase = await db.RunAsync("backup", "postgres", "--connection", $"postgresql://lifeboat@127.0.0.1:{db.Server.Port}");
        var passwordInUrl = await db.RunAsync("backup", "postgres", "--connection", $"postgresql://lifeboat:{PostgresServer.Password}@127.0.0.1:{db.Server.Port}/shop");

        Assert.Equal(1, wrongPassword.ExitCode);
        Assert.Contains("refused the login of 'lifeboat'", wrongPassword.Stderr);
        Assert.Contains("password authentication failed", wrongPassword.Stderr);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("cannot reach PostgreSQL at 127.0.0.1:", unreachable.Stderr);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("database \"no_such_db\" does not exist", missing.Stderr);
        Assert.Equal(2, noDatabase.ExitCode);
        Assert.Contains("names no database", noDatabase.Stderr);
        Assert.Equal(2, passwordInUrl.ExitCode);
        Assert.Contains("holds a password", passwordInUrl.Stderr);
        Assert.DoesNotContain(PostgresServer.Password, passwordInUrl.Stderr);
        foreach (var result in new[] { wrongPassword, unreachable, missing, noDatabase, passwordInUrl })
        {
            Assert.DoesNotContain("unexpected error", result.Stderr);
            Assert.DoesNotContain("   at ", result.Stderr);
        }
        Assert.Equal(0, db.SnapshotCount);
        Assert.Equal(databases, await db.DatabasesAsync());
    }

    [Fact]
    public async Task A_pg_dump_killed_mid_stream_records_no_snapshot()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 30_000);
        // The real pg_dump, its output cut after 200 kB: pg_dump stops on the broken pipe, as on any write failure mid-dump.
        var script = db.Temp["pg_dump_cut"];
        File.WriteAllText(script, $"""
            #!/bin/bash
            set -o pipefail
            if [ "$1" = --version ]; then exec {PostgresServer.Bin}/pg_dump --version; fi
            {PostgresServer.Bin}/pg_dump "$@" | head -c 200000
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var cut = await db.RunAsync("backup", "postgres", "--connection", db.Url, "--pg-dump", script);

        Assert.Equal(1, cut.ExitCode);
        Assert.True(cut.Stderr.Contains("pg_dump failed, so no snapshot was recorded: pg_dump_cut exited with code 1: pg_dump: error: could not write to output file: Broken pipe"), cut.Stderr);
        Assert.Equal(0, db.SnapshotCount);
        // The repository is still sound and the next run works.
        Assert.Equal(0, (await db.RunAsync("check")).ExitCode);
        await db.BackupAsync();
        Assert.Equal(1, db.SnapshotCount);
    }

    [Theory]
    [InlineData("echo 'pg_dump (PostgreSQL) 13.2'", "is version 13, older than the server (15); install postgresql-client-15")]
    [InlineData("echo 'not a pg_dump'", "not a PostgreSQL version; install postgresql-client-15")]
    [InlineData("if [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 15.1'; exit 0; fi; printf 'hello'", "is not a custom-format archive")]
    public async Task A_pg_dump_too_old_unrecognised_or_writing_no_archive_is_refused(string body, string expected)
    {
        await using var db = await SampleDatabase.CreateAsync(events: 10);
        var script = db.Temp["fake_pg_dump"];
        File.WriteAllText(script, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var refused = await db.RunAsync("backup", "postgres", "--connection", db.Url, "--pg-dump", script);
        var missing = await db.RunAsync("backup", "postgres", "--connection", db.Url, "--pg-dump", db.Temp["no-such-pg_dump"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(expected, refused.Stderr);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("install postgresql-client-15", missing.Stderr);
        Assert.Equal(0, db.SnapshotCount);
    }

    [Fact]
    public async Task A_restore_with_bad_input_creates_no_database()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 10);
        await db.BackupAsync();
        var databases = await db.DatabasesAsync();

        var wrongPassword = await CliRunner.RunAsync(new Dictionary<string, string?>(db.Environment) { ["PGPASSWORD"] = "not-it" },
            "restore", "postgres", "latest", "--connection", db.Url);
        var existing = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "postgres");
        var live = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", "shop");
        var contradictory = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--in-place", "--swap");
        var badVerify = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--verify", "no equals sign");
        var tooLong = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--into", new string('x', 64));

        Assert.Equal(1, wrongPassword.ExitCode);
        Assert.Contains("password authentication failed", wrongPassword.Stderr);
        Assert.Equal(2, existing.ExitCode);
        Assert.Contains("database postgres already exists", existing.Stderr);
        Assert.Equal(2, live.ExitCode);
        Assert.Contains("is the live database; use --in-place", live.Stderr);
        Assert.Equal(2, contradictory.ExitCode);
        Assert.Equal(2, badVerify.ExitCode);
        Assert.Contains("is not SQL=EXPECTED", badVerify.Stderr);
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("longer than PostgreSQL's 63 bytes", tooLong.Stderr);
        Assert.Equal(databases, await db.DatabasesAsync());
    }

    [Fact]
    public async Task A_restore_whose_temporary_disk_is_full_fails_clearly_creates_no_database_and_leaves_no_file()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 30_000);
        await db.BackupAsync();
        var databases = await db.DatabasesAsync();
        var mount = db.Temp["small"];
        Directory.CreateDirectory(mount);
        var mounted = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount])!;
        await mounted.WaitForExitAsync();
        Assert.True(mounted.ExitCode == 0, "this test needs root to mount a 1 MiB tmpfs");
        try
        {
            var full = await db.RunAsync("restore", "postgres", "latest", "--connection", db.Url, "--temp-dir", mount);

            Assert.Equal(1, full.ExitCode);
            Assert.True(full.Stderr.Contains("disk was full") || full.Stderr.Contains("No space left"), full.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(mount));
            Assert.Equal(databases, await db.DatabasesAsync());
        }
        finally
        {
            await System.Diagnostics.Process.Start("umount", [mount])!.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("postgresql://app@db.example:6543/sales?sslmode=require", "db.example", 6543, "app", "sales")]
    [InlineData("postgres://app@[::1]/sales", "::1", 5432, "app", "sales")]
    [InlineData("Host=10.0.0.5;Port=5433;Username=app;Database=sales", "10.0.0.5", 5433, "app", "sales")]
    [InlineData("host=/var/run/postgresql port=5432 user=app dbname=sales", "/var/run/postgresql", 5432, "app", "sales")]
    [InlineData("postgresql://app@db.example/my%20db", "db.example", 5432, "app", "my db")]
    public void Connection_urls_and_keyword_strings_parse_to_the_same_fields(string text, string host, int port, string user, string database)
    {
        var connection = PostgresConnection.Parse(text, passwordFile: null);

        Assert.Equal((host, port, user, database), (connection.Host, connection.Port, connection.User, connection.Database));
    }

    [Theory]
    [InlineData("postgresql://app:secret@db/sales")]
    [InlineData("Host=db;Password=secret;Database=sales")]
    [InlineData("host=db password=secret dbname=sales")]
    [InlineData("postgresql://app@db/sales?sslmode=sometimes")]
    [InlineData("Host=db;Colour=blue")]
    public void Connection_text_with_a_password_or_unknown_settings_is_refused_without_echoing_the_password(string text)
    {
        var refused = Assert.Throws<ArgumentException>(() => PostgresConnection.Parse(text, passwordFile: null));

        Assert.DoesNotContain("secret", refused.Message);
    }
}
