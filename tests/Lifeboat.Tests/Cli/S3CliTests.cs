using Lifeboat.Cli;
using Lifeboat.Testing;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Cli;

/// <summary>The command line against an <c>s3:</c> repository on a real s3rver, with credentials from the AWS variables.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _source;
    private readonly Dictionary<string, string?> _env;

    public S3CliTests(S3rverFixture server)
    {
        _source = _temp["source"];
        _env = new()
        {
            ["LIFEBOAT_REPOSITORY"] = server.NewLocation(),
            ["LIFEBOAT_PASSWORD"] = "cli-test-password",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_PROFILE"] = null,
            ["AWS_SESSION_TOKEN"] = null,
        };
        TestData.Write(Path.Combine(_source, "a.txt"), TestData.Text(50_000, 1));
        TestData.Write(Path.Combine(_source, "sub/b.bin"), TestData.Random(300_000, 2));
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    [Fact]
    public async Task Init_backup_check_and_restore_work_on_an_s3_url_and_a_second_init_is_refused()
    {
        var init = await Run("init");
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.Contains("created repository", init.Stdout);
        var again = await Run("init");
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains("already holds a repository", again.Stderr);

        var backup = await Run("backup", _source);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var check = await Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);
        var restore = await Run("restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, _temp["restore"] + _source));
    }

    [Fact]
    public async Task Wrong_credentials_fail_with_a_message_that_names_the_AWS_variables()
    {
        // s3rver checks the access key ID but not SigV4 signatures, so a wrong secret would pass there.
        _env["AWS_ACCESS_KEY_ID"] = "NOT-A-KNOWN-KEY";

        var result = await Run("init");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("S3 refused", result.Stderr);
        Assert.Contains("AWS_ACCESS_KEY_ID", result.Stderr);
    }

    [Fact]
    public async Task A_malformed_s3_url_is_a_usage_error()
    {
        _env["LIFEBOAT_REPOSITORY"] = "s3:";

        var result = await Run("snapshots");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not a valid S3 location", result.Stderr);
    }

    [Fact]
    public async Task Killing_prune_on_s3_leaves_a_clean_repository_and_a_second_prune_finishes()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 12; i++)
            {
                TestData.Write(Path.Combine(_source, $"f{i}.bin"), TestData.Random(700_000, i % 2 == 0 ? i : round * 100 + i));
            }
            Assert.Equal(0, (await Run("backup", _source)).ExitCode);
        }
        Assert.Equal(0, (await Run("forget", "--keep-last", "1")).ExitCode);
        var random = new Random(7);
        for (var round = 0; round < 3; round++)
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "prune", "--repack-below", "95%" })
            {
                start.ArgumentList.Add(arg);
            }
            foreach (var (key, value) in _env)
            {
                start.Environment[key] = value;
            }
            using var process = System.Diagnostics.Process.Start(start)!;
            await Task.Delay(random.Next(300, 1500));
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            var check = await Run("check", "--read-data");
            Assert.True(check.ExitCode == 0, $"round {round}: {check.Stdout}{check.Stderr}");
        }
        var prune = await Run("prune");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        var restore = await Run("restore", "latest", "--target", _temp["restore-after-prune"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, _temp["restore-after-prune"] + _source));
    }
}
