using System.Security.Cryptography;
using Lifeboat.Tests.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Sources;

/// <summary>The command source through the real CLI: a program's output backed up, piped back, and its failures.</summary>
public sealed class CommandSourceTests
{
    private static async Task<(TempDirectory, Dictionary<string, string?>)> RepositoryAsync()
    {
        var temp = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"] };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);
        return (temp, environment);
    }

    [Fact]
    public async Task A_programs_stdout_round_trips_into_a_file_and_into_another_programs_stdin()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        File.WriteAllBytes(temp["data.bin"], RandomNumberGenerator.GetBytes(3_000_000));

        var backup = await CliRunner.RunAsync(environment, "backup", "command", "--component", "blob", "--", "cat", temp["data.bin"]);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var toFile = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--component", "blob", "--target", temp["restored.bin"]);
        Assert.True(toFile.ExitCode == 0, toFile.Stderr);
        Assert.Equal(File.ReadAllBytes(temp["data.bin"]), File.ReadAllBytes(temp["restored.bin"]));

        var piped = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--component", "blob", "--", "sh", "-c", $"cat > {temp["piped.bin"]}");
        Assert.True(piped.ExitCode == 0, piped.Stderr);
        Assert.Equal(File.ReadAllBytes(temp["data.bin"]), File.ReadAllBytes(temp["piped.bin"]));
    }

    [Fact]
    public async Task A_program_that_writes_to_a_file_placeholder_is_backed_up_from_that_file()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        File.WriteAllText(temp["state"], "etcd-like state");

        var backup = await CliRunner.RunAsync(environment, "backup", "command", "--stream", "snapshot.db", "--", "cp", temp["state"], "{file}");
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var restore = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--stream", "snapshot.db", "--target", temp["back"]);

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal("etcd-like state", File.ReadAllText(temp["back"]));
    }

    [Theory]
    [InlineData("sh,-c,echo partial; echo 'disk quota exceeded' >&2; exit 4", "disk quota exceeded")]
    [InlineData("true", "produced no output")]
    [InlineData("no-such-program-anywhere", "is it installed")]
    public async Task A_failing_or_silent_program_records_no_snapshot_and_says_why(string program, string expected)
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;

        var backup = await CliRunner.RunAsync(environment, ["backup", "command", "--", .. program.Split(',')]);

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains(expected, backup.Stderr);
        Assert.Empty(Directory.GetFiles(temp["repo/snapshots"]));
    }

    [Fact]
    public async Task A_failing_restore_program_is_reported_and_an_existing_target_is_never_overwritten()
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "backup", "command", "--", "echo", "hello")).ExitCode);
        File.WriteAllText(temp["live"], "keep me");

        var overwrite = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--target", temp["live"]);
        var failing = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--", "sh", "-c", "cat >/dev/null; echo refused >&2; exit 2");

        Assert.Equal(1, overwrite.ExitCode);
        Assert.Contains("already exists", overwrite.Stderr);
        Assert.Equal("keep me", File.ReadAllText(temp["live"]));
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("refused", failing.Stderr);
    }

    [Theory]
    [InlineData("sh,-c,echo partial; sleep 60")]
    [InlineData("sh,-c,sleep 60; echo late > {file}")]
    public async Task A_program_that_outlives_its_timeout_is_killed_and_records_nothing(string program)
    {
        var (temp, environment) = await RepositoryAsync();
        using var _ = temp;

        var backup = await CliRunner.RunAsync(environment, ["backup", "command", "--timeout", "2", "--", .. program.Split(',')]);

        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("did not finish within", backup.Stderr);
        Assert.Empty(Directory.GetFiles(temp["repo/snapshots"]));
    }
}
