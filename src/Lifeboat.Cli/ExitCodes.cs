namespace Lifeboat.Cli;

/// <summary>Process exit codes; documented in docs/cli.md. Scripts and the plan runner rely on them.</summary>
public static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Success = 0;
    /// <summary>The command failed; nothing was committed (no snapshot recorded, nothing overwritten).</summary>
    public const int Failure = 1;
    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
    /// <summary>Partly done: a backup left out unreadable files, a restore could not restore some files, or forget removed snapshots but could not expire their WAL.</summary>
    public const int Incomplete = 3;
    /// <summary><c>check</c> found damaged or missing data.</summary>
    public const int Damaged = 4;
    /// <summary><c>status</c>: a component's newest backup is older than its RPO target, or it has none.</summary>
    public const int RpoBreached = 5;
    /// <summary>
    /// <c>status</c>: every RPO target is met, but a component's newest run failed (or was skipped) and no backup was
    /// taken since: its backups stopped working before its RPO says so.
    /// </summary>
    public const int LastRunFailed = 6;
    /// <summary>The location holds no repository.</summary>
    public const int NoRepository = 10;
    /// <summary>Another operation holds a conflicting lock on the repository.</summary>
    public const int Locked = 11;
    /// <summary>The password opens no key of the repository.</summary>
    public const int WrongPassword = 12;
    /// <summary>
    /// <c>wal fetch</c> could not fetch a file for another reason than its not being archived (damaged object, unreachable
    /// or wrong repository, wrong key). Above 125 on purpose: PostgreSQL takes any restore_command status up to 125 as
    /// "not archived", the end of the archive, and would end recovery early; above it, recovery stops with an error.
    /// </summary>
    public const int FetchFailed = 126;
    /// <summary>Interrupted (Ctrl-C or SIGTERM).</summary>
    public const int Interrupted = 130;
}
