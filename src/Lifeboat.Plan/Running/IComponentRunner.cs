using Lifeboat.Backup;

namespace Lifeboat.Plan.Running;

/// <summary>Backs up one component of a kind into a repository (made by <see cref="ComponentKinds"/> from its settings).</summary>
public interface IComponentRunner
{
    /// <summary>
    /// Runs the backup; throws, recording no snapshot, when it fails. The repository's index must be loaded.
    /// A result with errors recorded a snapshot that left something out (files that could not be read).
    /// </summary>
    Task<BackupResult> RunAsync(Repository.Repository repository, ComponentRunOptions options, CancellationToken cancellationToken);
}
