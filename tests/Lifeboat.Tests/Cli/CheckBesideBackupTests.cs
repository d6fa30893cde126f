using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// 'check' run again and again as a process beside a loop of backups into the same repository: zero false alarms.
/// (The deterministic form of this race is <c>ConcurrentCheckTests</c>; this is the chain an operator runs.)
/// </summary>
public sealed class CheckBesideBackupTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;

    public CheckBesideBackupTests() =>
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = TestRepository.Password };

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Check_in_a_loop_beside_a_backup_loop_raises_no_false_alarm()
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "init")).ExitCode);
        const int Backups = 6;
        var backups = Task.Run(async () =>
        {
            for (var round = 0; round < Backups; round++)
            {
                for (var i = 0; i < 4; i++)
                {
                    TestData.Write(_temp[$"src/f{i}.bin"], TestData.Random(400_000, round * 10 + i));
                }
                var backup = await CliRunner.RunAsync(_env, "backup", _temp["src"]);
                Assert.True(backup.ExitCode == 0, backup.Stderr);
            }
        });
        var checks = new List<CliRunner.Result>();
        // Checks for as long as the backups run (at least three, at most twenty), each one a separate process.
        while ((!backups.IsCompleted || checks.Count < 3) && checks.Count < 20)
        {
            checks.Add(await CliRunner.RunAsync(_env, "check"));
        }
        await backups;
        Assert.All(checks, check => Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr));
        var last = await CliRunner.RunAsync(_env, "check", "--read-data");
        Assert.True(last.ExitCode == 0, last.Stdout + last.Stderr);
    }
}
