using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Plan;

/// <summary>A plan whose offsite repository is an <c>s3:</c> URL on a real s3rver.</summary>
[Collection(S3rverCollection.Name)]
public sealed class PlanS3Tests(S3rverFixture server) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Snapshots_and_run_records_reach_the_s3_offsite_repository_and_restore_from_it()
    {
        var offsite = server.NewLocation();
        TestData.Write(_temp["www/a.txt"], TestData.Text(40_000, 1));
        TestData.Write(_temp["www/b.bin"], TestData.Random(250_000, 2));
        File.WriteAllText(_temp["lifeboat.yaml"], $$"""
            repositories:
              local: { location: ./repo, password-env: PLAN_PASSWORD, offsite: far }
              far: { location: "{{offsite}}", password-env: FAR_PASSWORD }
            components:
              site: { kind: files, paths: [./www], retention: { keep-last: 1 }, rpo: 1h }
            """);
        var env = new Dictionary<string, string?>
        {
            ["PLAN_PASSWORD"] = "local-password", ["FAR_PASSWORD"] = "far-password",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER", ["AWS_SECRET_ACCESS_KEY"] = "S3RVER", ["AWS_REGION"] = "us-east-1",
            ["AWS_PROFILE"] = null, ["AWS_SESSION_TOKEN"] = null,
        };
        var plan = _temp["lifeboat.yaml"];
        var init = await CliRunner.RunAsync(env, "plan", "init", "--plan", plan);
        Assert.True(init.ExitCode == 0, init.Stderr);
        for (var i = 0; i < 2; i++)
        {
            TestData.Write(_temp[$"www/new{i}.bin"], TestData.Random(100_000, 10 + i));
            var backup = await CliRunner.RunAsync(env, "backup", "--plan", plan, "--json");
            Assert.True(backup.ExitCode == 0, backup.Stderr + backup.Stdout);
            Assert.Equal(1, JsonDocument.Parse(backup.Stdout).RootElement.GetProperty("runs")[0].GetProperty("copied").GetInt32());
        }
        var far = new Dictionary<string, string?>(env) { ["LIFEBOAT_REPOSITORY"] = offsite, ["LIFEBOAT_PASSWORD"] = "far-password" };
        var snapshots = await CliRunner.RunAsync(far, "snapshots", "--json");
        Assert.Equal(1, JsonDocument.Parse(snapshots.Stdout).RootElement.GetArrayLength());
        var restore = await CliRunner.RunAsync(far, "restore", "latest", "--target", _temp["restored"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_temp["www"], _temp["restored"] + _temp["www"]));
        Assert.Equal(0, (await CliRunner.RunAsync(far, "check", "--read-data")).ExitCode);

        var status = await CliRunner.RunAsync(env, "status", "--plan", plan, "--json");
        Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
        Assert.Equal(1, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("components")[0].GetProperty("snapshots").GetInt32());
    }
}
