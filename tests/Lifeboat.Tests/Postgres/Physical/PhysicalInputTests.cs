using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class PhysicalInputTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<Dictionary<string, string?>> RepositoryAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "input-password\n");
        var environment = new Dictionary<string, string?>
        {
            ["LIFEBOAT_REPOSITORY"] = Path.Combine(_folder.Path, "repo"),
            ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);
        return environment;
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_backup_with_its_address_and_records_nothing()
    {
        var environment = await RepositoryAsync();

        var result = await CliRunner.RunAsync(environment, "backup", "postgres", "--connection", $"postgresql://lifeboat@127.0.0.1:{PostgresServer.FreePort()}/postgres", "--physical");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach PostgreSQL at 127.0.0.1:", result.Stderr);
        Assert.Contains("connecting to postgresql://lifeboat@127.0.0.1:", result.Stderr);
        Assert.Equal("[]", (await CliRunner.RunAsync(environment, "snapshots", "--json")).Stdout.Trim());
    }

    [Fact]
    public async Task A_restore_without_a_base_backup_or_with_two_targets_is_refused_and_creates_nothing()
    {
        var environment = await RepositoryAsync();
        var target = Path.Combine(_folder.Path, "restored");

        var none = await CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--physical", "--target-dir", target);
        var two = await CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--physical", "--target-dir", target, "--to-xid", "5", "--to-name", "x");
        var badTime = await CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--physical", "--target-dir", target, "--to-time", "yesterday-ish");
        var verifyUnstarted = await CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--physical", "--target-dir", target, "--verify", "select 1=1");

        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no physical PostgreSQL base backup", none.Stderr);
        Assert.Equal(2, two.ExitCode);
        Assert.Contains("give one recovery target", two.Stderr);
        Assert.Equal(2, badTime.ExitCode);
        Assert.Contains("is not a time", badTime.Stderr);
        Assert.Equal(2, verifyUnstarted.ExitCode);
        Assert.Contains("--verify needs --start", verifyUnstarted.Stderr);
        Assert.False(Directory.Exists(target));
    }
}
