using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Plan;

/// <summary>
/// A plan run (backup, retention, offsite copy) and its status after a snapshot of the primary repository was damaged,
/// through the real CLI: the run fails naming it, retention removes nothing, and status is not "ok".
/// </summary>
public sealed class DamagedSnapshotPlanTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Env => new() { ["PLAN_PASSWORD"] = "plan-password", ["OFFSITE_PASSWORD"] = "offsite-password" };

    private int SnapshotFiles(string repo) => Directory.GetFiles(_temp[$"{repo}/snapshots"]).Length;

    [Fact]
    public async Task A_damaged_snapshot_fails_retention_and_the_offsite_copy_by_name_and_status_reports_it()
    {
        TestData.Write(_temp["www/a.txt"], TestData.Text(20_000, 1));
        File.WriteAllText(_temp["lifeboat.yaml"], """
            repositories:
              main:
                location: ./repo
                password-env: PLAN_PASSWORD
                offsite: far
              far:
                location: ./offsite
                password-env: OFFSITE_PASSWORD
            components:
              site:
                kind: files
                repository: main
                paths: [./www]
                retention: { keep-last: 1 }
                rpo: 1h
            """);
        var plan = _temp["lifeboat.yaml"];
        Assert.Equal(0, (await CliRunner.RunAsync(Env, "plan", "init", "--plan", plan)).ExitCode);
        var first = await CliRunner.RunAsync(Env, "backup", "--plan", plan);
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var damaged = Directory.GetFiles(_temp["repo/snapshots"]).Single();
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0x08;
        File.WriteAllBytes(damaged, bytes);
        var id = Path.GetFileName(damaged)[..8];

        TestData.Write(_temp["www/b.bin"], TestData.Random(50_000, 2));
        var second = await CliRunner.RunAsync(Env, "backup", "--plan", plan, "--json");
        Assert.True(second.ExitCode == ExitCodes.Failure, second.Stdout + second.Stderr);
        var run = JsonDocument.Parse(second.Stdout).RootElement.GetProperty("runs")[0];
        var error = run.GetProperty("error").GetString()!;
        Assert.Contains($"retention: a snapshot is damaged (snapshot {id}", error);
        Assert.Contains("removed none", error);
        Assert.Contains("not copied to 'far'", error);
        // Retention kept the damaged snapshot and the new one; the new one still went offsite.
        Assert.Equal(2, SnapshotFiles("repo"));
        Assert.Equal(2, SnapshotFiles("offsite"));

        var status = await CliRunner.RunAsync(Env, "status", "--plan", plan);
        Assert.True(status.ExitCode == ExitCodes.Damaged, status.Stdout + status.Stderr);
        Assert.Contains(id, status.Stderr);
    }
}
