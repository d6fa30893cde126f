using Lifeboat.Locking;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Locking;

public sealed class LockTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public LockTests() => _store = LocalBlobStore.Create(_temp["repo"]);

    public void Dispose() => _temp.Dispose();

    private async Task<LockManager> ManagerAsync() => new(await TestRepository.OpenAsync(_store), _clock);

    [Fact]
    public async Task Shared_locks_coexist_and_an_exclusive_lock_waits_for_them()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        await using (await locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None))
        await using (await locks.AcquireAsync(exclusive: false, "restore", CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<RepositoryLockedException>(() => locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None));
            Assert.Contains("is locked by", error.Message);
            Assert.Contains("lifeboat unlock", error.Message);
        }
        await using var exclusive = await locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None);
        await Assert.ThrowsAsync<RepositoryLockedException>(() => locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None));
    }

    [Fact]
    public async Task Releasing_a_lock_removes_its_object()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        await (await locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None)).DisposeAsync();
        Assert.Empty(await locks.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_lock_not_refreshed_for_thirty_minutes_is_stale_and_unlock_removes_it()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        var held = await locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(29));
        await Assert.ThrowsAsync<RepositoryLockedException>(() => locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(2));
        var listed = Assert.Single(await locks.ListAsync(CancellationToken.None));
        Assert.True(listed.Stale);
        await using (await locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None))
        {
        }
        Assert.Equal(1, await locks.RemoveAsync(all: false, CancellationToken.None));
        GC.KeepAlive(held);
    }

    [Fact]
    public async Task A_refresh_writes_a_new_lock_object_and_keeps_the_lock_live()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        await using var held = await locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None);
        var before = held.Name;
        _clock.Advance(TimeSpan.FromMinutes(25));
        await held.RefreshAsync();
        Assert.NotEqual(before, held.Name);
        _clock.Advance(TimeSpan.FromMinutes(25));
        Assert.False(Assert.Single(await locks.ListAsync(CancellationToken.None)).Stale);
        Assert.False(held.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_lock_whose_refresh_fails_cancels_its_operation()
    {
        await TestRepository.InitAsync(_store);
        var faulty = new FaultyBlobStore(_store);
        var locks = new LockManager(await TestRepository.OpenAsync(faulty), _clock);
        await using var held = await locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None);
        faulty.FailPutAfter = 0;
        await held.RefreshAsync();
        Assert.True(held.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_killed_process_on_this_host_leaves_a_lock_that_is_stale_at_once()
    {
        await TestRepository.InitAsync(_store);
        var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Lifeboat.Cli.Program).Assembly.Location, "--repo", _temp["repo"], "unlock" },
            Environment = { ["LIFEBOAT_PASSWORD"] = TestRepository.Password },
            RedirectStandardOutput = true,
        })!;
        await child.WaitForExitAsync();
        var locks = await ManagerAsync();
        // Write a lock as that (now gone) process would have.
        var dead = locks.NewInfo(exclusive: true, "prune") with { ProcessId = child.Id };
        await locks.WriteAsync(dead, CancellationToken.None);
        Assert.True(Assert.Single(await locks.ListAsync(CancellationToken.None)).Stale);
        await using var mine = await locks.AcquireAsync(exclusive: true, "prune", CancellationToken.None);
    }

    [Fact]
    public async Task A_lock_naming_a_live_pid_with_another_start_time_is_stale_because_the_pid_was_reused()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        // A live process that is not this one: the dead holder's PID, now reused.
        using var sleeper = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "600"))!;
        try
        {
            var start = ProcessIdentity.StartTimeOf(sleeper.Id);
            Assert.NotNull(start);
            var reused = locks.NewInfo(exclusive: true, "prune") with { ProcessId = sleeper.Id, ProcessStart = start - 1 };
            await locks.WriteAsync(reused, CancellationToken.None);
            Assert.True(Assert.Single(await locks.ListAsync(CancellationToken.None)).Stale);
            await using (await locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None))
            {
            }
            Assert.Equal(1, await locks.RemoveAsync(all: false, CancellationToken.None));

            // The holder itself, with its own start time, is live; so is a lock from a version that recorded no start time.
            await locks.WriteAsync(reused with { ProcessStart = start }, CancellationToken.None);
            await locks.WriteAsync(reused with { ProcessStart = null, Operation = "old prune" }, CancellationToken.None);
            Assert.All(await locks.ListAsync(CancellationToken.None), l => Assert.False(l.Stale));
            await Assert.ThrowsAsync<RepositoryLockedException>(() => locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None));
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_lock_written_by_a_previous_process_with_this_pid_is_stale()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        var own = locks.NewInfo(exclusive: true, "prune");
        Assert.NotNull(own.ProcessStart);
        await locks.WriteAsync(own with { ProcessStart = own.ProcessStart - 1 }, CancellationToken.None);
        Assert.True(Assert.Single(await locks.ListAsync(CancellationToken.None)).Stale);
    }

    [Fact]
    public async Task A_lock_removed_while_held_is_noticed_before_a_commit()
    {
        await TestRepository.InitAsync(_store);
        var locks = await ManagerAsync();
        await using var held = await locks.AcquireAsync(exclusive: false, "backup", CancellationToken.None);
        await held.EnsureHeldAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(31)); // as if this process had been suspended
        Assert.Equal(1, await locks.RemoveAsync(all: false, CancellationToken.None)); // someone else's unlock (or prune) saw it stale
        var error = await Assert.ThrowsAsync<RepositoryLockedException>(() => held.EnsureHeldAsync(CancellationToken.None));
        Assert.Contains("nothing was committed", error.Message);
    }
}
