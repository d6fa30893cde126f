namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>How a physical base backup reads the cluster.</summary>
public enum BaseBackupMethod
{
    /// <summary>Local when this machine can read the server's data directory, otherwise Stream.</summary>
    Auto,
    /// <summary>Read the data directory straight from disk between pg_backup_start and pg_backup_stop, in parallel.</summary>
    Local,
    /// <summary>pg_basebackup over the replication protocol, as one tar stream.</summary>
    Stream,
}
