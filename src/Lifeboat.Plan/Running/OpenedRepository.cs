using Lifeboat.Locking;
using Lifeboat.Repository;

namespace Lifeboat.Plan.Running;

/// <summary>A plan repository opened with its password, holding a lock until disposed.</summary>
public sealed class OpenedRepository : IAsyncDisposable
{
    private readonly RepositoryLock? _lock;
    private readonly CancellationTokenSource _linked;

    private OpenedRepository(PlanRepository plan, Repository.Repository repository, RepositoryLock? held, CancellationToken cancellationToken)
    {
        Plan = plan;
        Repository = repository;
        _lock = held;
        _linked = held is null ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held.Lost);
    }

    /// <summary>The repository as the plan defines it.</summary>
    public PlanRepository Plan { get; }

    /// <summary>The open repository.</summary>
    public Repository.Repository Repository { get; }

    /// <summary>Cancelled when the caller cancels or the lock is lost.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Confirms the lock is still held (before a commit).</summary>
    public Task EnsureLockHeldAsync(CancellationToken cancellationToken) => _lock?.EnsureHeldAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Opens <paramref name="plan"/>'s repository; <paramref name="locking"/> null takes no lock, else a shared (false)
    /// or exclusive (true) lock for <paramref name="operation"/>. Throws <see cref="RepositoryNotFoundException"/>
    /// saying how to create it when there is none. Locks use the real clock: they coordinate real processes.
    /// </summary>
    public static async Task<OpenedRepository> OpenAsync(PlanRepository plan, bool loadIndex, bool? locking, string operation,
        CancellationToken cancellationToken)
    {
        var store = plan.OpenStore();
        if (!await Lifeboat.Repository.Repository.ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryNotFoundException(
                $"repository '{plan.Name}' at {plan.Location} does not exist yet; create the plan's repositories with 'lifeboat plan init'");
        }
        var repository = await Lifeboat.Repository.Repository.OpenAsync(store, plan.ReadPassword(), cancellationToken);
        if (locking == true && repository.AppendOnly)
        {
            throw new Storage.AppendOnlyException($"the password of repository '{plan.Name}' opens an append-only key, which cannot {operation}");
        }
        var held = locking is { } exclusive ? await new LockManager(repository, TimeProvider.System).AcquireAsync(exclusive, operation, cancellationToken) : null;
        try
        {
            // Only under the lock: a prune holding the exclusive lock deletes index files a listing taken before would name.
            // Damaged index files stay listed in Repository.DamagedIndexFiles, which the plan runner reports.
            if (loadIndex)
            {
                await repository.LoadIndexAsync(cancellationToken);
            }
        }
        catch
        {
            if (held is not null)
            {
                await held.DisposeAsync();
            }
            throw;
        }
        return new OpenedRepository(plan, repository, held, cancellationToken);
    }

    /// <summary>Releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }
        _linked.Dispose();
    }
}
