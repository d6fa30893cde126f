using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalExpireCliTests : IDisposable
{
    private const ulong Cluster = 7301234567890123456;
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Dictionary<string, string?> Environment(string? keyFile = null) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = Path.Combine(_folder.Path, "repo"),
        ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        ["LIFEBOAT_KEY_FILE"] = keyFile,
    };

    private async Task<string> InitWithSegmentsAsync(bool appendOnly)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "wal-expire-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(), "init")).ExitCode);
        var key = Path.Combine(_folder.Path, "key");
        var args = appendOnly ? new[] { "key", "add", "--random-key-file", key, "--append-only" } : ["key", "add", "--random-key-file", key];
        Assert.Equal(0, (await CliRunner.RunAsync(Environment(), args)).ExitCode);
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        foreach (var number in new ulong[] { 3, 4 })
        {
            Assert.Equal(0, (await CliRunner.RunAsync(Environment(key), "wal", "push", FakeSegments.Write(segments, Cluster, number))).ExitCode);
        }
        return key;
    }

    private string[] WalObjects() => Directory.GetFiles(Path.Combine(_folder.Path, "repo", "wal")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task An_append_only_key_cannot_expire_wal_and_nothing_changes()
    {
        var key = await InitWithSegmentsAsync(appendOnly: true);
        var before = WalObjects();

        var refused = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "0d", "--force");

        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("append-only", refused.Stderr);
        Assert.Equal(before, WalObjects());
    }

    [Fact]
    public async Task Without_a_base_backup_expire_says_why_it_keeps_everything_and_a_bad_span_is_a_usage_error()
    {
        var key = await InitWithSegmentsAsync(appendOnly: false);
        var before = WalObjects();

        var json = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "7d", "--json");
        Assert.Equal(0, json.ExitCode);
        var report = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(0, report.GetProperty("expired").GetArrayLength());
        Assert.Contains("no physical base backup", report.GetProperty("note").GetString());

        var bad = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--keep-within", "a week");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        var unknown = await CliRunner.RunAsync(Environment(key), "wal", "expire", "--component", "nothing-here");
        Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
        Assert.Contains("nothing was archived for component 'nothing-here'", unknown.Stderr);
        Assert.Equal(before, WalObjects());
    }
}
