using System.Text.Json;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>copy between two real repositories through the CLI: offsite copies that send only what is missing.</summary>
public sealed class CopyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env(string repo, string password) => new()
    {
        ["LIFEBOAT_REPOSITORY"] = _temp[repo],
        ["LIFEBOAT_PASSWORD"] = password,
        ["LIFEBOAT_FROM_PASSWORD"] = "source-password",
    };

    [Fact]
    public async Task Copy_sends_only_missing_chunks_and_the_copies_restore_byte_exact()
    {
        var source = Env("src-repo", "source-password");
        var offsite = Env("dst-repo", "offsite-password");
        for (var i = 0; i < 5; i++)
        {
            TestData.Write(_temp[$"data/f{i}.bin"], TestData.Random(400_000, i));
        }
        Assert.Equal(0, (await CliRunner.RunAsync(source, "init")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(source, "backup", _temp["data"])).ExitCode);
        var init = await CliRunner.RunAsync(offsite, "init", "--copy-chunker-from", _temp["src-repo"]);
        Assert.True(init.ExitCode == 0, init.Stderr);

        var first = await CliRunner.RunAsync(offsite, "copy", "--from-repo", _temp["src-repo"], "--json");
        Assert.True(first.ExitCode == 0, first.Stderr);
        var firstBytes = JsonDocument.Parse(first.Stdout).RootElement.GetProperty("bytes").GetInt64();
        Assert.True(firstBytes >= 2_000_000);

        TestData.Write(_temp["data/f0.bin"], TestData.Random(400_000, 99));
        Assert.Equal(0, (await CliRunner.RunAsync(source, "backup", _temp["data"])).ExitCode);
        var second = await CliRunner.RunAsync(offsite, "copy", "--from-repo", _temp["src-repo"], "--json");
        Assert.True(second.ExitCode == 0, second.Stderr);
        using var report = JsonDocument.Parse(second.Stdout);
        Assert.Equal(1, report.RootElement.GetProperty("skipped").GetInt32());
        // Only the changed file (400 kB) and the listings on its path travel.
        Assert.InRange(report.RootElement.GetProperty("bytes").GetInt64(), 400_000, 500_000);

        Assert.Equal(0, (await CliRunner.RunAsync(offsite, "check", "--read-data")).ExitCode);
        var restore = await CliRunner.RunAsync(offsite, "restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_temp["data"], _temp["restore"] + _temp["data"]));
        // The offsite copy is encrypted under its own key: the source password does not open it.
        offsite["LIFEBOAT_PASSWORD"] = "source-password";
        Assert.Equal(Lifeboat.Cli.ExitCodes.WrongPassword, (await CliRunner.RunAsync(offsite, "snapshots")).ExitCode);
    }

    [Fact]
    public async Task Copy_into_a_repository_with_other_chunking_parameters_is_refused_with_advice()
    {
        var source = Env("src-repo", "source-password");
        var other = Env("other-repo", "other-password");
        TestData.Write(_temp["data/a.txt"], "a"u8.ToArray());
        Assert.Equal(0, (await CliRunner.RunAsync(source, "init")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(source, "backup", _temp["data"])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(other, "init")).ExitCode);
        var refused = await CliRunner.RunAsync(other, "copy", "--from-repo", _temp["src-repo"]);
        Assert.Equal(Lifeboat.Cli.ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("--copy-chunker-from", refused.Stderr);
        Assert.Empty(Directory.GetFiles(_temp["other-repo/snapshots"]));
    }
}
