using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>
/// <c>wal push</c> of a segment a batch archived ahead, finished from its spool marker before the command line is
/// built, and the same push with arguments that shortcut leaves to the full command line. The repository is moved
/// away before each marker push, so success can only come from the marker.
/// </summary>
public sealed class WalPushShortcutCliTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();
    private readonly string _wal;
    private readonly string _spool;
    private string _key = "";

    public WalPushShortcutCliTests()
    {
        _wal = Directory.CreateDirectory(Path.Combine(_folder.Path, "data", "pg_wal")).FullName;
        Directory.CreateDirectory(Path.Combine(_wal, "archive_status"));
        _spool = Path.Combine(_folder.Path, "data", "lifeboat-spool");
    }

    public void Dispose() => _folder.Dispose();

    private string Repo => Path.Combine(_folder.Path, "repo");

    private Dictionary<string, string?> Environment(string? repository) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = repository,
        ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        ["LIFEBOAT_KEY_FILE"] = _key.Length == 0 ? null : _key,
        ["LIFEBOAT_WAL_SPOOL"] = null,
    };

    /// <summary>A repository and segments 7..6+count marked ready; the first pushed, the others archived ahead.</summary>
    private async Task<string[]> ArchiveAheadAsync(int count, bool settle)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "wal-shortcut-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo), "init")).ExitCode);
        var key = Path.Combine(_folder.Path, "key");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo), "key", "add", "--random-key-file", key)).ExitCode);
        _key = key;
        var segments = Enumerable.Range(7, count).Select(n =>
        {
            var path = FakeSegments.Write(_wal, Cluster, (ulong)n);
            File.WriteAllText(Path.Combine(_wal, "archive_status", Path.GetFileName(path) + ".ready"), "");
            return path;
        }).ToArray();
        if (settle)
        {
            // Stamps are recorded only for files unchanged for a second before they are read.
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
        }
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(Repo), "wal", "push", segments[0])).ExitCode);
        foreach (var segment in segments[1..])
        {
            Assert.True(File.Exists(MarkerOf(segment)));
        }
        Directory.Move(Repo, Repo + ".away");
        return segments;
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
        var segments = await ArchiveAheadAsync(3, settle: true);
        BreakMarkerHash(segments[1]);
        BreakMarkerHash(segments[2]);
        var changed = await File.ReadAllBytesAsync(segments[2]);
        changed[100] ^= 1;
        await using (var same = new FileStream(segments[2], FileMode.Open, FileAccess.Write))
        {
            await same.WriteAsync(changed);
        }

        var proved = await CliRunner.RunAsync(Environment(Repo), "wal", "push", segments[1]);
        var refused = await CliRunner.RunAsync(Environment(Repo), "wal", "push", segments[2]);

        Assert.Equal(0, proved.ExitCode);
        Assert.Equal($"{Path.GetFileName(segments[1])} was already archived with the same content\n", proved.Stdout);
        Assert.Equal(Lifeboat.Cli.ExitCodes.NoRepository, refused.ExitCode);
        Assert.Contains("not a Lifeboat repository", refused.Stderr);
    }

    [Fact]
    public async Task Quiet_and_a_repository_given_as_an_option_are_handled_from_the_marker()
    {
        var segments = await ArchiveAheadAsync(3, settle: false);

        var quiet = await CliRunner.RunAsync(Environment(null), "-r", Repo, "wal", "push", "--quiet", "--component", "postgres", segments[1]);
        var other = await CliRunner.RunAsync(Environment(null), "wal", "push", segments[2], "--repo", Repo + "-other");

        Assert.Equal((0, "", ""), (quiet.ExitCode, quiet.Stdout, quiet.Stderr));
        Assert.False(File.Exists(MarkerOf(segments[1])));
        // A marker for another repository proves nothing: the push needs that repository, which does not exist.
        Assert.Equal(Lifeboat.Cli.ExitCodes.NoRepository, other.ExitCode);
    }

    [Fact]
    public async Task Json_output_from_a_marker_is_written_by_the_full_command_line()
    {
        var segments = await ArchiveAheadAsync(2, settle: false);

        var pushed = await CliRunner.RunAsync(Environment(Repo), "wal", "push", "--json", segments[1]);

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
        var segments = await ArchiveAheadAsync(2, settle: false);

        var refused = await CliRunner.RunAsync(Environment(Repo), [.. arguments, segments[1]]);

        Assert.Equal(Lifeboat.Cli.ExitCodes.Usage, refused.ExitCode);
        Assert.True(File.Exists(MarkerOf(segments[1])));
    }
}
