using Lifeboat.Backup;

namespace Lifeboat.Plan.Running;

/// <summary>The <c>files</c> kind: <c>paths:</c> (required) and <c>excludes:</c> backed up by the <see cref="Archiver"/>.</summary>
public sealed class FilesRunner(IReadOnlyList<string> paths, IReadOnlyList<string> excludes) : IComponentRunner
{
    /// <summary>Builds the runner from the component's settings.</summary>
    public static FilesRunner Create(ComponentSettingsReader settings) =>
        new(settings.Paths("paths"), settings.OptionalList("excludes"));

    /// <inheritdoc />
    public Task<BackupResult> RunAsync(Repository.Repository repository, ComponentRunOptions options, CancellationToken cancellationToken) =>
        new Archiver(repository, options.Clock).RunAsync(new BackupOptions
        {
            Paths = paths, Excludes = excludes, Component = options.Component, Host = options.Host, Tags = options.Tags,
            BeforeCommit = options.BeforeCommit, Workers = options.Workers,
        }, options.Progress, cancellationToken);
}
