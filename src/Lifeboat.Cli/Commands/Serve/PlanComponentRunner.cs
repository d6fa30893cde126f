using Lifeboat.Locking;
using Lifeboat.Repository;
using Lifeboat.Plan;
using Lifeboat.Plan.Running;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Cli.Commands.Serve;

/// <summary>
/// Runs one component of the plan for the daemon: opens its repository under a shared lock, backs the component up
/// with its kind's runner (the snapshot is written last, after the lock is confirmed), and counts its snapshots.
/// </summary>
public sealed class PlanComponentRunner(BackupPlan plan, ComponentKinds kinds) : Server.Scheduling.IComponentRunner
{
    /// <inheritdoc />
    public async Task<RunResult> RunAsync(string component, DateTimeOffset scheduledFor, CancellationToken cancellationToken)
    {
        var planned = plan.Component(component);
        var repository = await OpenAsync(plan.Repositories[planned.Repository], cancellationToken);
        await using var repositoryLock = await new LockManager(repository, TimeProvider.System).AcquireAsync(exclusive: false, $"serve {component}", cancellationToken);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, repositoryLock.Lost);
        await repository.LoadIndexAsync(linked.Token);
        var runner = kinds.CreateRunner(planned);
        var result = await runner.RunAsync(repository, new ComponentRunOptions
        {
            Component = component, Host = plan.Host, Tags = [.. planned.Tags, "scheduled"], BeforeCommit = repositoryLock.EnsureHeldAsync,
        }, linked.Token);
        var snapshots = await repository.LoadSnapshotsAsync(cancellationToken);
        var summary = result.Snapshot.Summary!;
        return new RunResult(summary.BytesRead, summary.StoredBytes, summary.TotalBytes, snapshots.Count(s => s.Snapshot.Component == component), result.Id.Short);
    }

    /// <summary>Opens a plan repository with its password (from its variable or file).</summary>
    public static async Task<Repository.Repository> OpenAsync(PlanRepository planRepository, CancellationToken cancellationToken)
    {
        var store = Cli.RepositoryLocation.OpenStore(planRepository.Location);
        if (!await Repository.Repository.ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryNotFoundException($"repository '{planRepository.Name}' at {store.Location} holds no repository (no config); create it with 'lifeboat init'");
        }
        return await Repository.Repository.OpenAsync(store, planRepository.ReadPassword(), cancellationToken);
    }
}
