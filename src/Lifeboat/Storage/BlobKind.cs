namespace Lifeboat.Storage;

/// <summary>The kinds of object a repository stores; each kind lives under its own folder or prefix.</summary>
public enum BlobKind
{
    /// <summary>The repository's config object (one per repository, name "config").</summary>
    Config,
    /// <summary>Key files: the master key wrapped by a password-derived key.</summary>
    Key,
    /// <summary>Pack files holding encrypted chunks.</summary>
    Pack,
    /// <summary>Index files mapping chunk IDs to pack locations.</summary>
    Index,
    /// <summary>Snapshots: the commit point of a backup.</summary>
    Snapshot,
    /// <summary>Locks held by running operations.</summary>
    Lock,
    /// <summary>Run records: the outcome of each plan run of a component (success or failure), kept with the backups.</summary>
    Run,
    /// <summary>Archived PostgreSQL WAL files and the cluster records that bind a component to its cluster.</summary>
    Wal,
}
