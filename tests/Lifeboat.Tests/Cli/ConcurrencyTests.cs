using System.Text.Json;
using Lifeboat.Cli;
using Lifeboat.Locking;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>Backups, forget and prune from separate processes at the same time: locks keep every snapshot whole.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;

    public ConcurrencyTests() =>
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = TestRepository.Password };

    public void Dispose() => _temp.Dispose();

    private void WriteSource(int round)
    {
        for (var i = 0; i < 6; i++)
        {
            TestData.Write(_temp[$"src/f{i}.bin"], TestData.Random(300_000, i < 3 ? i : round * 10 + i));
        }
    }

    [Fact]
    public async Task A_backup_is_refused_with_exit_code_11_while_prune_holds_the_exclusive_lock_and_works_after()
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "init")).ExitCode);
        WriteSource(1);
        var repository = await TestRepository.OpenAsync(new LocalBlobStore(_temp["repo"]));
        var held = await new LockManager(repository, TimeProvider.System).AcquireAsync(exclusive: true, "prune", CancellationToken.None);
        var refused = await CliRunner.RunAsync(_env, "backup", _temp["src"]);
        Assert.Equal(ExitCodes.Locked, refused.ExitCode);
        Assert.Contains("exclusively locked by prune", refused.Stderr);
        Assert.Empty(Directory.GetFiles(_temp["repo/snapshots"]));
        await held.DisposeAsync();
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "backup", _temp["src"])).ExitCode);
    }

    [Fact]
    public async Task Backups_racing_forget_and_prune_leave_every_remaining_snapshot_restorable()
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "init")).ExitCode);
        for (var round = 1; round <= 4; round++)
        {
            WriteSource(round);
            var backup = CliRunner.RunAsync(_env, "backup", _temp["src"]);
            var forget = CliRunner.RunAsync(_env, "forget", "--keep-last", "2");
            var prune = CliRunner.RunAsync(_env, "prune", "--repack-below", "90%");
            foreach (var run in await Task.WhenAll(backup, forget, prune))
            {
                Assert.True(run.ExitCode is 0 or ExitCodes.Locked, run.Stderr);
            }
        }
        Assert.Equal(0, (await CliRunner.RunAsync(_env, "prune")).ExitCode);
        var check = await CliRunner.RunAsync(_env, "check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        using var snapshots = JsonDocument.Parse((await CliRunner.RunAsync(_env, "snapshots", "--json")).Stdout);
        Assert.NotEmpty(snapshots.RootElement.EnumerateArray());
        foreach (var snapshot in snapshots.RootElement.EnumerateArray())
        {
            var id = snapshot.GetProperty("id").GetString()!;
            var restore = await CliRunner.RunAsync(_env, "restore", id, "--target", _temp["restore-" + id[..8]]);
            Assert.True(restore.ExitCode == 0, restore.Stderr);
        }
    }
}
