using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// The archive_command script of <c>wal archive-script</c>, run by /bin/sh the way PostgreSQL runs it (in the data
/// directory, with <c>pg_wal/NAME</c>). In most scripts under test the lines that would start Lifeboat start
/// <c>false</c> instead, so a push succeeds only when the shell itself proved the segment archived.
/// </summary>
public sealed class WalArchiveScriptTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly string _data;
    private readonly string _wal;

    public WalArchiveScriptTests()
    {
        _data = Path.Combine(_folder.Path, "data");
        _wal = Directory.CreateDirectory(Path.Combine(_data, "pg_wal")).FullName;
        Directory.CreateDirectory(Path.Combine(_wal, "archive_status"));
    }

    public void Dispose() => _folder.Dispose();

    private string Repo => Path.Combine(_folder.Path, "repo");
    private string Key => Path.Combine(_folder.Path, "key");
    private string Spool => Path.Combine(_data, "lifeboat-spool");

    private Dictionary<string, string?> Environment(string? keyFile) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = Repo,
        ["LIFEBOAT_PASSWORD_FILE"] = keyFile is null ? null : Path.Combine(_folder.Path, "password"),
        ["LIFEBOAT_KEY_FILE"] = keyFile,
        ["LIFEBOAT_WAL_SPOOL"] = null,
    };

    /// <summary>A repository, segments 7..6+count marked ready, the first pushed and the others archived ahead.</summary>
    private async Task<string[]> ArchiveAheadAsync(int count)
    {
        await InitAsync();
        var segments = Enumerable.Range(7, count).Select(n => Segment((ulong)n)).ToArray();
        // The runner reads the push's output to its end, which the background process holds open until it is done.
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Key), "wal", "push", segments[0])).ExitCode);
        foreach (var segment in segments[1..])
        {
            Assert.True(File.Exists(Path.Combine(Spool, Path.GetFileName(segment))));
        }
        return segments;
    }

    /// <summary>An empty repository with a password and a random key file.</summary>
    private async Task InitAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "archive-script-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(null), "-p", Path.Combine(_folder.Path, "password"), "init")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(null), "-p", Path.Combine(_folder.Path, "password"), "key", "add", "--random-key-file", Key)).ExitCode);
    }

    private string Segment(ulong number) => FakeSegments.WriteReady(_wal, 7301234567890123456, number);

    // The script, with every line that starts Lifeboat (wal push, and the background process unless keepAhead) made to
    // start 'false'.
    private async Task<string> ScriptAsync(string[] options, bool keepAhead = false)
    {
        var written = await CliRunner.RunAsync(Environment(Key), ["wal", "archive-script", .. options]);
        Assert.True(written.ExitCode == 0, written.Stderr);
        Assert.Contains($"export LIFEBOAT_KEY_FILE='{Key}'", written.Stdout);
        var script = Path.Combine(_folder.Path, "archive.sh");
        var failing = Regex.Replace(written.Stdout, keepAhead ? "^()exec .*$" : "^( *)exec .*$", "$1exec false", RegexOptions.Multiline);
        Assert.Equal(keepAhead ? 1 : 2, Regex.Matches(failing, "exec false").Count);
        await File.WriteAllTextAsync(script, failing);
        return script;
    }

    private Task<string> ScriptAsync(params string[] options) => ScriptAsync(options, keepAhead: false);

    // As PostgreSQL runs it: sh -c, in the data directory, with the path relative to it.
    private static async Task<int> RunAsync(string script, string segment)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(segment))! };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("pg_wal/" + Path.GetFileName(segment));
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    // RunAsync, also returning what the script wrote to stderr (PostgreSQL's log).
    private static async Task<(int Code, string Stderr)> RunCapturingAsync(string script, string segment)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(segment))! };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("pg_wal/" + Path.GetFileName(segment));
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stderr);
    }

    private static async Task<int> RunToolAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, (IEnumerable<string>)arguments);
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [Fact]
    public async Task A_segment_archived_ahead_is_finished_by_the_shell_alone_and_its_marker_consumed()
    {
        var segments = await ArchiveAheadAsync(3);
        var script = await ScriptAsync();

        Assert.Equal(0, await RunAsync(script, segments[1]));
        Assert.False(File.Exists(Path.Combine(Spool, Path.GetFileName(segments[1]))));
        // Consumed: the same push again has only Lifeboat left, here 'false'.
        Assert.Equal(1, await RunAsync(script, segments[1]));
    }

    [Fact]
    public async Task A_segment_changed_since_it_was_read_or_a_marker_of_another_component_goes_to_lifeboat()
    {
        var segments = await ArchiveAheadAsync(3);
        File.SetUnixFileMode(segments[1], UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(1, await RunAsync(await ScriptAsync(), segments[1]));
        Assert.Equal(1, await RunAsync(await ScriptAsync("--component", "other"), segments[2]));
        Assert.True(File.Exists(Path.Combine(Spool, Path.GetFileName(segments[2]))));
    }

    [Fact]
    public async Task A_segment_claimed_by_a_running_process_is_waited_for_until_its_marker_appears()
    {
        await ArchiveAheadAsync(1);
        var claimed = Segment(9);
        var script = await ScriptAsync();
        using var ahead = FakeAheadProcess.Start();
        var spool = new WalSpool(Spool, Repo, "postgres");
        spool.Claim(new WalAheadClaim(ahead.Id, [Path.GetFileName(claimed)]));
        var marked = Task.Run(async () =>
        {
            await Task.Delay(500);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(claimed)));
            await spool.RecordAsync(claimed, sha256, WalFileStamp.Of(claimed), CancellationToken.None);
        });
        try
        {
            Assert.Equal(0, await RunAsync(script, claimed));
        }
        finally
        {
            ahead.Kill();
            await marked;
        }
    }

    [Fact]
    public async Task A_segment_nobody_archived_yet_starts_the_background_process_which_archives_it_and_the_ready_ones_after_it()
    {
        await InitAsync();
        var segments = Enumerable.Range(7, 4).Select(n => Segment((ulong)n)).ToArray();
        // Only the background process can archive: the script's own 'wal push' is 'false'.
        var script = await ScriptAsync([], keepAhead: true);

        Assert.Equal(0, await RunAsync(script, segments[0]));
        await PostgresServer.WaitForArchivingAheadAsync(_data);
        foreach (var segment in segments[1..])
        {
            Assert.Equal(0, await RunAsync(script, segment));
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(Spool).Select(Path.GetFileName), n => !n!.StartsWith('.'));
        foreach (var segment in segments)
        {
            var copy = Path.Combine(_folder.Path, "fetched");
            var fetch = await CliRunner.RunAsync(Environment(Key), "wal", "fetch", "--system-id", "7301234567890123456", Path.GetFileName(segment), copy);
            Assert.True(fetch.ExitCode == 0, fetch.Stderr);
            Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(copy));
        }
    }

    [Fact]
    public async Task A_claim_whose_process_is_gone_goes_to_lifeboat_without_a_line_in_postgresqls_log()
    {
        await ArchiveAheadAsync(1);
        var segment = Segment(9);
        using var gone = Process.Start("true")!;
        await gone.WaitForExitAsync();
        new WalSpool(Spool, Repo, "postgres").Claim(new WalAheadClaim(gone.Id, [Path.GetFileName(segment)]));

        var (code, stderr) = await RunCapturingAsync(await ScriptAsync(), segment);

        Assert.Equal((1, ""), (code, stderr));
    }

    [Fact]
    public async Task A_history_or_backup_file_starts_no_background_process_and_goes_straight_to_lifeboat()
    {
        await InitAsync();
        Segment(7);
        var script = await ScriptAsync([], keepAhead: true);
        foreach (var name in (string[])["00000002.history", "000000010000000000000007.00000028.backup", "000000010000000000000007.partial"])
        {
            var file = Path.Combine(_wal, name);
            await File.WriteAllTextAsync(file, "not a segment\n");
            await File.WriteAllTextAsync(Path.Combine(_wal, "archive_status", name + ".ready"), "");

            // Only 'wal push' (here 'false') archives such a file; a background process would archive segment 7 and
            // could keep this push waiting while it works through the segments that keep arriving.
            Assert.Equal(1, await RunAsync(script, file));
            Assert.False(File.Exists(Path.Combine(Spool, ".ahead")));
        }
    }

    [Fact]
    public async Task The_background_process_the_script_starts_ends_on_sigquit_as_postgresql_immediate_shutdown_asks()
    {
        await InitAsync();
        // A FIFO named like a segment: the background process blocks opening it until the test has looked.
        var fifo = Path.Combine(_wal, WalFileName.SegmentName(1, 7, FakeSegments.Size));
        Assert.Equal(0, await RunToolAsync("mkfifo", fifo));
        await File.WriteAllTextAsync(Path.Combine(_wal, "archive_status", Path.GetFileName(fifo) + ".ready"), "");
        var script = await ScriptAsync([], keepAhead: true);
        var pushing = RunAsync(script, fifo);
        var spool = new WalSpool(Spool, Repo, "postgres");
        var clock = Stopwatch.StartNew();
        WalAheadClaim? claim;
        while (!((claim = spool.ReadClaim()) is { } c && c.IsRunning()) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }
        Assert.NotNull(claim);
        var pid = claim.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
            var ignored = Convert.ToUInt64(status.Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))[7..].Trim(), 16);

            Assert.Equal(0UL, ignored & 0b110); // SIGINT (2) and SIGQUIT (3) not ignored, though sh started it with '&'
            Assert.Equal(0, await RunToolAsync("kill", "-QUIT", pid));
            // It ended without a marker, so the script went on to 'wal push', here 'false'.
            Assert.Equal(1, await pushing.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(claim.IsRunning());
        }
        finally
        {
            // Blocked on the FIFO for ever otherwise.
            if (claim.IsRunning())
            {
                await RunToolAsync("kill", "-KILL", pid);
            }
        }
    }

    [Fact]
    public async Task With_a_plan_the_script_archives_for_its_physical_postgres_component_into_that_components_repository()
    {
        await InitAsync();
        var plan = Path.Combine(_folder.Path, "lifeboat.yaml");
        await File.WriteAllTextAsync(plan, $"""
            version: 1
            repositories:
              main:
                location: {Repo}
                password-file: {Path.Combine(_folder.Path, "password")}
              other:
                location: {Path.Combine(_folder.Path, "other")}
                password-env: OTHER_PASSWORD
            components:
              db:
                kind: postgres
                mode: physical
                url: postgresql://postgres@127.0.0.1:5432/postgres
                repository: main
              dump:
                kind: postgres
                url: postgresql://postgres@127.0.0.1:5432/postgres
                repository: main
              elsewhere:
                kind: postgres
                mode: physical
                url: postgresql://postgres@127.0.0.1:5432/postgres
                repository: other
            """);
        // Nothing from the environment: the plan says where and with what.
        var bare = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = null, ["LIFEBOAT_KEY_FILE"] = null, ["LIFEBOAT_PASSWORD_FILE"] = null, ["LIFEBOAT_WAL_SPOOL"] = null };

        var written = await CliRunner.RunAsync(bare, "wal", "archive-script", "--plan", plan, "--component", "db");

        Assert.True(written.ExitCode == 0, written.Stderr);
        Assert.Contains($"export LIFEBOAT_REPOSITORY='{Repo}'", written.Stdout);
        Assert.Contains($"export LIFEBOAT_PASSWORD_FILE='{Path.Combine(_folder.Path, "password")}'", written.Stdout);
        var script = Path.Combine(_folder.Path, "archive.sh");
        await File.WriteAllTextAsync(script, Regex.Replace(written.Stdout, "^exec .*$", "exec false", RegexOptions.Multiline));
        var segment = Segment(7);
        Assert.Equal(0, await RunAsync(script, segment));
        await PostgresServer.WaitForArchivingAheadAsync(_data);
        var copy = Path.Combine(_folder.Path, "fetched");
        var fetch = await CliRunner.RunAsync(Environment(Key), "wal", "fetch", "--component", "db", Path.GetFileName(segment), copy);
        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(copy));

        // Bad input: no script, exit 2, and a message that says what to change.
        foreach (var (arguments, message) in (IEnumerable<(string[], string)>)[
            (["--component", "dump"], "not a physical postgres component"),
            (["--component", "nothing"], "it has: db, dump, elsewhere"),
            (["--component", "elsewhere"], "$OTHER_PASSWORD"),
            (["--component", "db", "--repo", Repo], "leave out --repo")])
        {
            var refused = await CliRunner.RunAsync(bare, ["wal", "archive-script", "--plan", plan, .. arguments]);
            Assert.Equal((Lifeboat.Cli.ExitCodes.Usage, ""), (refused.ExitCode, refused.Stdout));
            Assert.Contains(message, refused.Stderr);
        }
    }

    [Fact]
    public async Task Values_with_quotes_spaces_and_dollars_reach_lifeboat_unchanged()
    {
        const string repository = "/srv/it's a \"repo\" $HOME `x`";
        var output = Path.Combine(_folder.Path, "seen");
        // Stands in for Lifeboat: appends what it was given, one value per line.
        string[] program = ["/bin/sh", "-c", "printf '%s\\n' \"$LIFEBOAT_REPOSITORY\" \"$LIFEBOAT_KEY_FILE\" \"$@\" >> \"$SEEN\"", "lifeboat"];
        var script = Path.Combine(_folder.Path, "archive.sh");
        await File.WriteAllTextAsync(script, WalArchiveScript.Render(program, [("LIFEBOAT_REPOSITORY", repository), ("LIFEBOAT_KEY_FILE", "/etc/k'ey"), ("SEEN", output)],
            repository, "it's", spool: null, batch: 4));
        var segment = Segment(7);
        var clock = Stopwatch.StartNew();

        Assert.Equal(0, await RunAsync(script, segment));

        // The stand-in ends at once: the script saw it end (a zombie is no live process) and did not wait its 2 minutes.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the script took {clock.Elapsed}");
        // First the background process (which ends without a marker), then the push that decides.
        string[] ahead = [repository, "/etc/k'ey", "wal", "ahead", "--including-path", "--quiet", "--component", "it's", "--spool", "lifeboat-spool", "--batch", "4", "pg_wal/" + Path.GetFileName(segment)];
        string[] push = [repository, "/etc/k'ey", "wal", "push", "--quiet", "--component", "it's", "--batch", "0", "pg_wal/" + Path.GetFileName(segment)];
        var seen = await File.ReadAllLinesAsync(output);
        Assert.Equal((string[])[.. ahead, .. push], seen);
    }

    [Fact]
    public async Task Without_a_key_or_password_file_or_with_a_wrong_key_no_script_is_written()
    {
        await ArchiveAheadAsync(1);

        var noFile = await CliRunner.RunAsync(new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = Repo, ["LIFEBOAT_PASSWORD"] = "archive-script-password", ["LIFEBOAT_KEY_FILE"] = null, ["LIFEBOAT_PASSWORD_FILE"] = null },
            "wal", "archive-script");
        var wrongKey = Path.Combine(_folder.Path, "wrong-key");
        await File.WriteAllTextAsync(wrongKey, "not the key\n");
        var wrong = await CliRunner.RunAsync(Environment(wrongKey), "wal", "archive-script");

        Assert.Equal((Lifeboat.Cli.ExitCodes.Usage, ""), (noFile.ExitCode, noFile.Stdout));
        Assert.Contains("LIFEBOAT_KEY_FILE", noFile.Stderr);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Equal("", wrong.Stdout);
    }
}
