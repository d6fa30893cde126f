using Lifeboat.Crypto;

namespace Lifeboat.Locking;

/// <summary>
/// A held lock. It refreshes itself in the background; if a refresh fails (the store is unreachable, the lock was
/// removed by someone else), <see cref="Lost"/> is cancelled so the operation stops instead of running unprotected.
/// Disposing releases it.
/// </summary>
public sealed class RepositoryLock : IAsyncDisposable
{
    private readonly LockManager _manager;
    private readonly LockInfo _info;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Digest _name;
    private bool _released;

    internal RepositoryLock(LockManager manager, Digest name, LockInfo info, TimeProvider clock)
    {
        _manager = manager;
        _name = name;
        _info = info;
        _clock = clock;
        _timer = clock.CreateTimer(_ => _ = RefreshAsync(), null, LockManager.RefreshInterval, LockManager.RefreshInterval);
    }

    /// <summary>Cancelled when the lock could not be refreshed: the operation must stop.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>The current lock object's name.</summary>
    public Digest Name => _name;

    /// <summary>
    /// Checks that the lock is still in the repository and refreshes it. A lock that vanished was judged stale by
    /// someone (this process was suspended for longer than <see cref="LockManager.StaleAfter"/>), so a prune may have
    /// deleted data this operation wrote: it must not commit. Throws <see cref="RepositoryLockedException"/> then.
    /// </summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        if (!await _manager.ExistsAsync(_name, cancellationToken))
        {
            throw new RepositoryLockedException("this operation's lock was removed while it ran (was the process suspended?); " +
                "a prune may have removed data it wrote, so nothing was committed; run it again");
        }
        await RefreshAsync();
        if (Lost.IsCancellationRequested)
        {
            throw new RepositoryLockedException("this operation's lock could not be refreshed, so nothing was committed; run it again");
        }
    }

    /// <summary>Writes a fresh lock object, then deletes the previous one.</summary>
    public async Task RefreshAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_released)
            {
                return;
            }
            var fresh = await _manager.WriteAsync(_info with { Time = _clock.GetUtcNow() }, CancellationToken.None);
            await _manager.DeleteAsync(_name, CancellationToken.None);
            _name = fresh;
        }
        catch (Exception)
        {
            // Not swallowed: losing the lock cancels the operation that holds it, which then fails with that reason.
            await _lost.CancelAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await _gate.WaitAsync();
        try
        {
            if (!_released)
            {
                _released = true;
                await _manager.DeleteAsync(_name, CancellationToken.None);
            }
        }
        finally
        {
            _gate.Release();
            _lost.Dispose();
        }
    }
}
