namespace Lifeboat.Cli;

/// <summary>Which repository lock a command holds while it runs.</summary>
public enum LockMode
{
    /// <summary>Reads that tolerate concurrent changes (listing snapshots).</summary>
    None,
    /// <summary>Adds or reads data; many may run at once (backup, restore, check).</summary>
    Shared,
    /// <summary>Deletes or rewrites; runs alone (prune, forget, key changes, repair).</summary>
    Exclusive,
}
