using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// <c>wal push</c> archiving the segments PostgreSQL marked ready ahead, and a later push of one of them finishing
/// from its spool marker without the repository. "Without the repository" is proved by moving the repository away:
/// the push then succeeds only through the marker. Such a push is finished before the command line is built; arguments
/// that shortcut does not handle go to the full command line, which must behave the same.
/// </summary>
public sealed class WalSpoolCliTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();
    private readonly string _wal;
    private readonly string _spool;

    public WalSpoolCliTests()
    {
        _wal = Directory.CreateDirectory(Path.Combine(_folder.Path, "data", "pg_wal")).FullName;
        Directory.CreateDirectory(Path.Combine(_wal, "archive_status"));
        _spool = Path.Combine(_folder.Path, "data", "lifeboat-spool");
    }

    public void Dispose() => _folder.Dispose();

    private string Repo => Path.Combine(_folder.Path, "repo");

    private Dictionary<string, string?> Environment(string? repository, string? keyFile) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = repository,
        ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        ["LIFEBOAT_KEY_FILE"] = keyFile,
        ["LIFEBOAT_WAL_SPOOL"] = null,
    };

    private async Task<string> InitAsync(string repository)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "wal-spool-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(repository, null), "init")).ExitCode);
        var key = Path.Combine(_folder.Path, Path.GetFileName(repository) + "-key");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(repository, null), "key", "add", "--random-key-file", key)).ExitCode);
        return key;
    }

    private string Segment(ulong number, ulong cluster = Cluster) => FakeSegments.WriteReady(_wal, cluster, number);

    private string[] Archived(string repository) =>
        [.. Directory.GetFiles(Path.Combine(repository, "wal")).Select(Path.GetFileName).Where(n => n!.StartsWith($"{Cluster}-", StringComparison.Ordinal)).Order()!];

    private async Task AssertFetchesExactlyAsync(string repository, string key, string segment)
    {
        var target = Path.Combine(_folder.Path, "fetched");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(repository, key), "wal", "fetch", Path.GetFileName(segment), target)).ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task A_push_archives_the_ready_segments_and_their_own_push_succeeds_from_the_marker_without_the_repository()
    {
        var key = await InitAsync(Repo);
        var (first, second, third) = (Segment(7), Segment(8), Segment(9));

        var pushed = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", first);

        Assert.Equal(0, pushed.ExitCode);
        Assert.Equal([$"{Cluster}-{Path.GetFileName(first)}", $"{Cluster}-{Path.GetFileName(second)}", $"{Cluster}-{Path.GetFileName(third)}"], Archived(Repo));
        Assert.Equal([Path.GetFileName(second), Path.GetFileName(third)], Directory.GetFiles(_spool).Select(f => Path.GetFileName(f)).Where(n => !n.StartsWith('.')).Order().ToArray());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_spool));

        // With the repository gone, only the marker can make this succeed.
        var moved = Path.Combine(_folder.Path, "moved");
        Directory.Move(Repo, moved);
        var fromMarker = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", second);
        Assert.Equal(0, fromMarker.ExitCode);
        Assert.Contains("already archived with the same content", fromMarker.Stdout);
        Assert.False(File.Exists(Path.Combine(_spool, Path.GetFileName(second))));
        // The marker is consumed: a second push of it needs the repository again.
        Assert.NotEqual(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", second)).ExitCode);

        Directory.Move(moved, Repo);
        foreach (var segment in (string[])[first, second, third])
        {
            await AssertFetchesExactlyAsync(Repo, key, segment);
        }
    }

    [Fact]
    public async Task The_background_process_gets_the_password_file_given_on_the_command_line()
    {
        await InitAsync(Repo);
        var (first, second, third) = (Segment(7), Segment(8), Segment(9));
        var onlyTheOption = Environment(Repo, null);
        onlyTheOption["LIFEBOAT_PASSWORD_FILE"] = null;

        var pushed = await CliRunner.RunAsync(onlyTheOption, "-p", Path.Combine(_folder.Path, "password"), "wal", "push", first);

        Assert.True(pushed.ExitCode == 0, pushed.Stderr);
        Assert.Equal("", pushed.Stderr);
        Assert.True(File.Exists(Path.Combine(_spool, Path.GetFileName(second))));
        Assert.True(File.Exists(Path.Combine(_spool, Path.GetFileName(third))));
    }

    [Fact]
    public async Task A_marker_whose_hash_differs_from_the_segment_is_ignored_and_the_conflict_is_refused()
    {
        var key = await InitAsync(Repo);
        var (first, second) = (Segment(7), Segment(8));
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", first)).ExitCode);
        Assert.True(File.Exists(Path.Combine(_spool, Path.GetFileName(second))));

        var changed = await File.ReadAllBytesAsync(second);
        changed[FakeSegments.Size / 2] ^= 0x40;
        await File.WriteAllBytesAsync(second, changed);
        var moved = Path.Combine(_folder.Path, "moved");
        Directory.Move(Repo, moved);
        Assert.NotEqual(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", second)).ExitCode);

        Directory.Move(moved, Repo);
        var conflict = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", second);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("already archived with different content", conflict.Stderr);
    }

    [Fact]
    public async Task A_stale_marker_of_a_segment_the_running_background_process_claimed_sends_the_push_to_the_repository_without_waiting()
    {
        var key = await InitAsync(Repo);
        var segment = Segment(7);
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", "--batch", "0", segment)).ExitCode);
        // Archived ahead by a process that still runs, then the file changed (here: its mode), so the stamp proves nothing.
        var spool = new Lifeboat.Sources.Postgres.Wal.WalSpool(_spool, Repo, "postgres");
        await spool.RecordAsync(segment, null, Lifeboat.Sources.Postgres.Wal.WalFileStamp.Of(segment), CancellationToken.None);
        File.SetUnixFileMode(segment, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var ahead = FakeAheadProcess.Start();
        spool.Claim(new Lifeboat.Sources.Postgres.Wal.WalAheadClaim(ahead.Id, [Path.GetFileName(segment)]));
        try
        {
            var clock = Stopwatch.StartNew();
            var pushed = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", segment);

            Assert.True(pushed.ExitCode == 0, pushed.Stderr);
            Assert.Contains("already archived with the same content", pushed.Stdout);
            // The claimant lives 30 s: a push that waited for it would take that long.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the push took {clock.Elapsed}");
            Assert.False(File.Exists(Path.Combine(_spool, Path.GetFileName(segment))));
        }
        finally
        {
            ahead.Kill();
        }
    }

    [Fact]
    public async Task A_marker_written_for_another_repository_is_ignored_and_the_segment_goes_to_this_one()
    {
        var key = await InitAsync(Repo);
        var (first, second) = (Segment(7), Segment(8));
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", first)).ExitCode);
        Assert.True(File.Exists(Path.Combine(_spool, Path.GetFileName(second))));
        var other = Path.Combine(_folder.Path, "other");
        var otherKey = await InitAsync(other);

        var pushed = await CliRunner.RunAsync(Environment(other, otherKey), "wal", "push", "--batch", "0", second);

        Assert.Equal(0, pushed.ExitCode);
        Assert.Contains($"archived {Path.GetFileName(second)}", pushed.Stdout);
        Assert.Equal([$"{Cluster}-{Path.GetFileName(second)}"], Archived(other));
        await AssertFetchesExactlyAsync(other, otherKey, second);
    }

    [Fact]
    public async Task A_ready_segment_that_cannot_be_archived_gets_no_marker_and_fails_its_own_push()
    {
        var key = await InitAsync(Repo);
        var first = Segment(7);
        var foreign = Segment(8, cluster: 42);
        var good = Segment(9);

        var pushed = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", first);

        Assert.Equal(0, pushed.ExitCode);
        Assert.False(File.Exists(Path.Combine(_spool, Path.GetFileName(foreign))));
        Assert.DoesNotContain($"{Cluster}-{Path.GetFileName(foreign)}", Archived(Repo));
        var refused = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", foreign);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not 42", refused.Stderr);
        // Whether the batch reached the good one or stopped first, its own push ends with it archived.
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", good)).ExitCode);
        await AssertFetchesExactlyAsync(Repo, key, good);
    }

    [Fact]
    public async Task A_batch_killed_at_a_random_moment_leaves_markers_only_for_segments_durable_in_the_repository()
    {
        var key = await InitAsync(Repo);
        var random = new Random();
        ulong next = 1;
        for (var round = 0; round < 3; round++)
        {
            var first = Segment(next++);
            for (var i = 0; i < 4; i++)
            {
                Segment(next++);
            }
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])[typeof(Lifeboat.Cli.Program).Assembly.Location, "wal", "push", first])
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var (name, value) in Environment(Repo, key))
            {
                start.Environment[name] = value;
            }
            using (var push = Process.Start(start)!)
            {
                await Task.Delay(random.Next(200, 1500));
                push.Kill(entireProcessTree: true);
                await push.WaitForExitAsync();
            }

            var markers = Directory.Exists(_spool) ? Directory.GetFiles(_spool).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).ToArray() : [];
            foreach (var marker in markers)
            {
                await AssertFetchesExactlyAsync(Repo, key, Path.Combine(_wal, marker!));
            }
            // PostgreSQL's view: every ready segment's own push succeeds, in order, then it is done.
            foreach (var ready in Directory.GetFiles(Path.Combine(_wal, "archive_status"), "*.ready").Order(StringComparer.Ordinal))
            {
                var segment = Path.Combine(_wal, Path.GetFileNameWithoutExtension(ready));
                Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", "--batch", "0", segment)).ExitCode);
                await AssertFetchesExactlyAsync(Repo, key, segment);
                File.Move(ready, Path.ChangeExtension(ready, ".done"));
            }
        }
    }

    // Shortcut: a push finished from its marker before the command line is built, and the arguments it leaves to the
    // full command line. The repository is moved away before each marker push, so success comes only from the marker.

    /// <summary>A repository and segments 7..6+count marked ready; the first pushed, the others archived ahead.</summary>
    private async Task<(string Key, string[] Segments)> ArchiveAheadAsync(int count, bool settle)
    {
        var key = await InitAsync(Repo);
        var segments = Enumerable.Range(7, count).Select(n => Segment((ulong)n)).ToArray();
        if (settle)
        {
            // Stamps are recorded only for files unchanged for a second before they are read.
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
        }
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", segments[0])).ExitCode);
        foreach (var segment in segments[1..])
        {
            Assert.True(File.Exists(MarkerOf(segment)));
        }
        Directory.Move(Repo, Repo + ".away");
        return (key, segments);
    }

    private string MarkerOf(string segment) => Path.Combine(_spool, Path.GetFileName(segment));

    private void BreakMarkerHash(string segment)
    {
        var lines = File.ReadAllLines(MarkerOf(segment));
        lines[2] = new string('0', 64);
        File.WriteAllLines(MarkerOf(segment), lines);
    }

    [Fact]
    public async Task A_settled_segment_is_proved_by_its_stamp_and_a_segment_changed_since_is_not()
    {
        var (key, segments) = await ArchiveAheadAsync(3, settle: true);
        BreakMarkerHash(segments[1]);
        BreakMarkerHash(segments[2]);
        var changed = await File.ReadAllBytesAsync(segments[2]);
        changed[100] ^= 1;
        await using (var same = new FileStream(segments[2], FileMode.Open, FileAccess.Write))
        {
            await same.WriteAsync(changed);
        }

        var proved = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", segments[1]);
        var refused = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", segments[2]);

        Assert.Equal(0, proved.ExitCode);
        Assert.Equal($"{Path.GetFileName(segments[1])} was already archived with the same content\n", proved.Stdout);
        Assert.Equal(Lifeboat.Cli.ExitCodes.NoRepository, refused.ExitCode);
        Assert.Contains("not a Lifeboat repository", refused.Stderr);
    }

    [Fact]
    public async Task Quiet_and_a_repository_given_as_an_option_are_handled_from_the_marker()
    {
        var (key, segments) = await ArchiveAheadAsync(3, settle: false);

        var quiet = await CliRunner.RunAsync(Environment(null, key), "-r", Repo, "wal", "push", "--quiet", "--component", "postgres", segments[1]);
        var other = await CliRunner.RunAsync(Environment(null, key), "wal", "push", segments[2], "--repo", Repo + "-other");

        Assert.Equal((0, "", ""), (quiet.ExitCode, quiet.Stdout, quiet.Stderr));
        Assert.False(File.Exists(MarkerOf(segments[1])));
        // A marker for another repository proves nothing: the push needs that repository, which does not exist.
        Assert.Equal(Lifeboat.Cli.ExitCodes.NoRepository, other.ExitCode);
    }

    [Fact]
    public async Task Json_output_from_a_marker_is_written_by_the_full_command_line()
    {
        var (key, segments) = await ArchiveAheadAsync(2, settle: false);

        var pushed = await CliRunner.RunAsync(Environment(Repo, key), "wal", "push", "--json", segments[1]);

        Assert.Equal(0, pushed.ExitCode);
        using var json = JsonDocument.Parse(pushed.Stdout);
        Assert.True(json.RootElement.GetProperty("alreadyArchived").GetBoolean());
        Assert.False(File.Exists(MarkerOf(segments[1])));
    }

    [Theory]
    [InlineData("--component", "postgres", "wal", "push")]
    [InlineData("wal", "push", "--batch", "many")]
    [InlineData("wal", "push", "--no-such-option", "x")]
    public async Task Arguments_the_full_command_line_refuses_are_refused_and_the_marker_is_kept(params string[] arguments)
    {
        var (key, segments) = await ArchiveAheadAsync(2, settle: false);

        var refused = await CliRunner.RunAsync(Environment(Repo, key), [.. arguments, segments[1]]);

        Assert.Equal(Lifeboat.Cli.ExitCodes.Usage, refused.ExitCode);
        Assert.True(File.Exists(MarkerOf(segments[1])));
    }
}
