using Lifeboat.Backup;
using Lifeboat.Sources;

namespace Lifeboat.Plan.Running;

/// <summary>Any kind with an <see cref="ISource"/>: backed up by the <see cref="SourceArchiver"/>.</summary>
public sealed class SourceRunner(ISource source) : IComponentRunner
{
    /// <summary>The source this runner backs up.</summary>
    public ISource Source => source;

    /// <inheritdoc />
    public Task<BackupResult> RunAsync(Repository.Repository repository, ComponentRunOptions options, CancellationToken cancellationToken) =>
        new SourceArchiver(repository, options.Clock).RunAsync(source, new SourceBackupOptions
        {
            Component = options.Component, Host = options.Host, Tags = options.Tags, BeforeCommit = options.BeforeCommit, Workers = options.Workers,
        }, options.Progress, cancellationToken);
}
