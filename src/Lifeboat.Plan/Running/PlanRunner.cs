using Lifeboat.Maintenance;
using Lifeboat.Retention;
using Lifeboat.Runs;
using Lifeboat.Snapshots;
using Lifeboat.Sources;
using Lifeboat.Storage;

namespace Lifeboat.Plan.Running;

/// <summary>
/// Runs a plan's components: each after the selected components it depends on, independent ones in parallel (at
/// most <see cref="Parallelism"/> at once), each into its repository under a shared lock, with its hooks around it.
/// A component whose dependency failed is skipped; a failure never stops independent components. Then, for every
/// component whose backup succeeded, its retention policy is applied (under an exclusive lock) and its snapshots are
/// copied to the repository's offsite repository (after what <see cref="ComponentKinds.BeforeCopy"/> sends, such as
/// PostgreSQL's WAL archive; the same policy is applied there). Last, a <see cref="RunRecord"/>
/// of every component, success or failure, is stored in its repository (and its offsite repository).
/// </summary>
public sealed class PlanRunner(BackupPlan plan, ComponentKinds kinds, TimeProvider clock)
{
    // Run records are written even after an interruption, but never wait forever on a hung store.
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromMinutes(1);

    /// <summary>How many components back up at once (each uses all chunk workers; 2 keeps a source busy while another waits).</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Recorded in run records: "manual" for the CLI, "schedule" for the daemon.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>
    /// The time the daemon scheduled this run for; null for a run by hand, which is dated by its start. The date, in the
    /// schedule's time zone, decides the schedule's weekly and monthly tags (<see cref="PlanSchedule.TagsAt"/>), so a run
    /// caught up after midnight still carries the tags of the day it stands for.
    /// </summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>Chunk workers per component backup.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Runs the named components (all when empty); dependencies outside the selection are not run. Throws
    /// <see cref="ArgumentException"/> for an unknown name; every other failure is in the report.
    /// </summary>
    public async Task<PlanRunReport> RunAsync(IReadOnlyCollection<string> components, CancellationToken cancellationToken)
    {
        if (Parallelism < 1)
        {
            throw new ArgumentException("parallelism must be at least 1");
        }
        IReadOnlyCollection<string> selected = components.Count == 0 ? [.. plan.Components.Select(c => c.Name)] : [.. components.Distinct()];
        var prerequisites = DependencyOrder.Prerequisites(plan, selected);
        var runs = plan.Components.Where(c => selected.Contains(c.Name)).ToDictionary(c => c.Name, c => new ComponentRun(c));
        using var gate = new SemaphoreSlim(Parallelism);
        var tasks = new Dictionary<string, Task>();
        Task Schedule(string name)
        {
            if (!tasks.TryGetValue(name, out var task))
            {
                var before = prerequisites[name].Select(Schedule).ToList();
                task = BackupAfterAsync(runs[name], before, prerequisites[name].Select(p => runs[p]).ToList(), gate, cancellationToken);
                tasks[name] = task;
            }
            return task;
        }
        foreach (var name in runs.Keys)
        {
            _ = Schedule(name);
        }
        await Task.WhenAll(tasks.Values);
        foreach (var group in runs.Values.Where(r => r.BackedUp).GroupBy(r => r.Component.Repository))
        {
            await MaintainAsync(plan.Repositories[group.Key], [.. group], cancellationToken);
        }
        var unrecorded = new List<string>();
        var records = runs.Values.Select(r => r.ToRecord(plan.Host, Trigger)).ToList();
        foreach (var group in records.GroupBy(r => runs[r.Component].Component.Repository))
        {
            await SaveRecordsAsync(plan.Repositories[group.Key], [.. group], unrecorded);
        }
        return new PlanRunReport(records, unrecorded);
    }

    private async Task BackupAfterAsync(ComponentRun run, List<Task> before, List<ComponentRun> dependencies, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await Task.WhenAll(before);
        run.Start = clock.GetUtcNow();
        if (dependencies.FirstOrDefault(d => d.Failed) is { } failed)
        {
            run.Skipped = true;
            run.Fail($"not run because component '{failed.Component.Name}', which it depends on, failed");
            run.End = run.Start;
            return;
        }
        var entered = false;
        try
        {
            await gate.WaitAsync(cancellationToken);
            entered = true;
            run.Start = clock.GetUtcNow();
            await BackupAsync(run, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            run.Fail(Describe(e, cancellationToken));
        }
        finally
        {
            run.End = clock.GetUtcNow();
            if (entered)
            {
                gate.Release();
            }
        }
    }

    private async Task BackupAsync(ComponentRun run, CancellationToken cancellationToken)
    {
        var component = run.Component;
        var runner = kinds.CreateRunner(component);
        if (component.Hooks.PreBackup is { } pre)
        {
            await RunHookAsync("pre-backup", pre, cancellationToken);
        }
        try
        {
            await using var opened = await OpenedRepository.OpenAsync(plan.Repositories[component.Repository], loadIndex: true, locking: false, "backup", cancellationToken);
            run.Result = await runner.RunAsync(opened.Repository, new ComponentRunOptions
            {
                Component = component.Name, Host = plan.Host,
                Tags = [.. component.Tags.Union(component.Schedule?.TagsAt(ScheduledFor ?? run.Start) ?? [], StringComparer.Ordinal)], BeforeCommit = opened.EnsureLockHeldAsync, Clock = clock,
                Workers = Workers,
            }, opened.Token);
            // The backup worked around them (their chunks are stored again), but older snapshots may need those
            // index files: the run must not look clean.
            foreach (var damaged in opened.Repository.DamagedIndexFiles)
            {
                run.Fail($"snapshot {run.Result.Id.Short} was recorded, but the repository is damaged: {damaged}");
            }
        }
        finally
        {
            if (component.Hooks.PostBackup is { } post)
            {
                try
                {
                    await RunHookAsync("post-backup", post, cancellationToken);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    run.Fail(Describe(e, cancellationToken));
                }
            }
        }
    }

    private async Task RunHookAsync(string name, HookCommand hook, CancellationToken cancellationToken)
    {
        try
        {
            await using var child = ChildProcess.Start(hook.Arguments[0], hook.Arguments.Skip(1), workingDirectory: plan.BaseDirectory);
            // Drained so the hook's output never mixes with ours (JSON on stdout) and a chatty hook never blocks.
            await child.Stdout.CopyToAsync(Stream.Null, cancellationToken);
            await child.EnsureSuccessAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or FileNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{name} hook '{hook}' failed: {e.Message}", e);
        }
    }

    // Retention and the offsite copy for the components of one repository whose backup succeeded.
    private async Task MaintainAsync(PlanRepository repository, List<ComponentRun> runs, CancellationToken cancellationToken)
    {
        var withRetention = runs.Where(r => r.Component.Retention is not null).ToList();
        if (withRetention.Count > 0)
        {
            await ForAllAsync(withRetention, "retention", cancellationToken, async () =>
            {
                await using var opened = await OpenedRepository.OpenAsync(repository, loadIndex: false, locking: true, "forget", cancellationToken);
                foreach (var run in withRetention)
                {
                    run.Forgotten = await ForgetAsync(opened, run.Component, opened.Token);
                }
            });
        }
        if (repository.Offsite is not { } offsiteName)
        {
            return;
        }
        var offsite = plan.Repositories[offsiteName];
        await ForAllAsync(runs, $"offsite copy to '{offsiteName}'", cancellationToken, async () =>
        {
            await using (var source = await OpenedRepository.OpenAsync(repository, loadIndex: true, locking: false, "copy", cancellationToken))
            await using (var destination = await OpenedRepository.OpenAsync(offsite, loadIndex: true, locking: false, "copy", cancellationToken))
            {
                // What the snapshots need besides their chunks (PostgreSQL's WAL) goes first, so the offsite
                // repository never holds a base backup without the WAL that makes it restorable.
                if (kinds.BeforeCopy is { } before)
                {
                    await before(source.Repository, destination.Repository, destination.Token);
                }
                var listing = await source.Repository.ListSnapshotsAsync(source.Token);
                var copier = new SnapshotCopier(source.Repository, destination.Repository);
                foreach (var run in runs)
                {
                    var report = await copier.CopyAsync([.. listing.Readable.Where(s => s.Snapshot.Component == run.Component.Name)], null, destination.Token);
                    run.Copied = report.Copied.Count;
                }
                // The readable snapshots are safer offsite; the damaged ones, which may belong to these components, fail the step.
                listing.ThrowIfDamaged($"they were not copied to '{offsiteName}'");
            }
            if (withRetention.Count > 0)
            {
                await using var opened = await OpenedRepository.OpenAsync(offsite, loadIndex: false, locking: true, "forget", cancellationToken);
                foreach (var run in withRetention)
                {
                    await ForgetAsync(opened, run.Component, opened.Token);
                }
            }
        });
    }

    // Only this host's snapshots of the component: another host running the same plan applies its own policy.
    private async Task<int> ForgetAsync(OpenedRepository opened, PlanComponent component, CancellationToken cancellationToken)
    {
        // A damaged snapshot's component, host and time are unknown, so no policy can be applied around it.
        var listing = await opened.Repository.ListSnapshotsAsync(cancellationToken);
        listing.ThrowIfDamaged($"retention of component '{component.Name}' cannot tell which snapshots to keep, so it removed none");
        var snapshots = listing.Readable.Where(s => s.Snapshot.Component == component.Name && s.Snapshot.Host == plan.Host);
        var removed = new List<Snapshot>();
        foreach (var decision in RetentionPlanner.Plan(snapshots, component.Retention!).Where(d => !d.Keep))
        {
            await opened.Repository.Store.DeleteAsync(new BlobName(BlobKind.Snapshot, decision.Id.ToString()), cancellationToken);
            removed.Add(decision.Snapshot);
        }
        if (removed.Count > 0 && kinds.AfterForget is { } after)
        {
            await after(opened.Repository, removed, cancellationToken);
        }
        return removed.Count;
    }

    private static async Task ForAllAsync(List<ComponentRun> runs, string step, CancellationToken cancellationToken, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var run in runs)
            {
                run.Fail($"{step}: {Describe(e, cancellationToken)}");
            }
        }
    }

    private async Task SaveRecordsAsync(PlanRepository repository, List<RunRecord> records, List<string> unrecorded)
    {
        var targets = repository.Offsite is { } offsite ? new[] { repository, plan.Repositories[offsite] } : [repository];
        foreach (var target in targets)
        {
            using var timeout = new CancellationTokenSource(RecordTimeout);
            try
            {
                await using var opened = await OpenedRepository.OpenAsync(target, loadIndex: false, locking: null, "record", timeout.Token);
                var log = new RunLog(opened.Repository);
                foreach (var record in records)
                {
                    await log.SaveAsync(record, timeout.Token);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                unrecorded.Add($"the run records of {string.Join(", ", records.Select(r => r.Component))} could not be stored in repository '{target.Name}': {e.Message}");
            }
        }
    }

    private static string Describe(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => "interrupted; nothing was committed by the unfinished step",
        OperationCanceledException => $"stopped because the repository lock was lost or a request timed out ({e.Message}); nothing half-done was committed",
        _ => e.Message,
    };
}
