namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// What <c>wal expire</c> deleted (or, in a dry run, would delete) for one component. <see cref="KeepFromSegment"/> is
/// the start segment of the oldest kept base backup: nothing at or after its position, on any timeline, is ever
/// deleted. <see cref="KeepArchivedAfter"/> is the <c>--keep-within</c> limit: nothing archived after it is deleted.
/// <see cref="Note"/> explains an expiry that deleted nothing on purpose (no base backup at all).
/// </summary>
public sealed record WalExpiryReport(string Component, string SystemIdentifier, bool DryRun, int BaseBackups, string? OldestBackupSnapshot,
    string? KeepFromSegment, DateTimeOffset? KeepArchivedAfter, IReadOnlyList<ExpiredWalFile> Expired, int Kept, int KeptByAge, long BytesFreed,
    IReadOnlyList<string> Overridden, string? Note);
