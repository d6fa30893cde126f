using Lifeboat.Backup;

namespace Lifeboat.Plan.Running;

/// <summary>The <c>files</c> kind: <c>paths:</c> (required) and <c>excludes:</c> backed up by the <see cref="Archiver"/>.</summary>
public sealed class FilesRunner(IReadOnlyList<string> paths, IReadOnlyList<string> excludes) : IComponentRunner
{
    /// <summary>
    /// Builds the runner from the component's settings. Exclude patterns starting with <c>./</c> or <c>../</c> are made
    /// absolute against the plan's directory, like the paths; others are globs as <c>backup --exclude</c> takes them.
    /// </summary>
    public static FilesRunner Create(ComponentSettingsReader settings) =>
        new(settings.Paths("paths"), [.. settings.OptionalList("excludes").Select(p =>
            p.StartsWith("./", StringComparison.Ordinal) || p.StartsWith("../", StringComparison.Ordinal) ? Path.GetFullPath(p, settings.BaseDirectory) : p)]);

    /// <inheritdoc />
    public Task<BackupResult> RunAsync(Repository.Repository repository, ComponentRunOptions options, CancellationToken cancellationToken) =>
        new Archiver(repository, options.Clock).RunAsync(new BackupOptions
        {
            Paths = paths, Excludes = excludes, Component = options.Component, Host = options.Host, Tags = options.Tags,
            BeforeCommit = options.BeforeCommit, Workers = options.Workers,
        }, options.Progress, cancellationToken);
}
