using System.Globalization;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>How far point-in-time recovery replays the archived WAL.</summary>
public enum RecoveryTargetKind
{
    /// <summary>Everything archived (no recovery_target_*).</summary>
    Latest,
    /// <summary>recovery_target_time: stop before the first commit after it.</summary>
    Time,
    /// <summary>recovery_target_lsn.</summary>
    Lsn,
    /// <summary>recovery_target_xid: stop after this transaction commits.</summary>
    Xid,
    /// <summary>recovery_target_name: a restore point made with pg_create_restore_point().</summary>
    Name,
    /// <summary>recovery_target = 'immediate': stop as soon as the base backup is consistent.</summary>
    Immediate,
}

/// <summary>
/// A recovery target as PostgreSQL's recovery settings state it. <see cref="Requested"/> is set on a target that
/// stands for another PostgreSQL could not reach as given (<see cref="AfterCommit"/>, <see cref="Immediate"/>).
/// </summary>
public sealed record RecoveryTarget(RecoveryTargetKind Kind, string Value, DateTimeOffset? Time = null, Lsn? Lsn = null, RecoveryTarget? Requested = null)
{
    /// <summary>Replay everything archived.</summary>
    public static RecoveryTarget Latest { get; } = new(RecoveryTargetKind.Latest, "");

    /// <summary>A time target; a time without an offset is UTC.</summary>
    public static RecoveryTarget AtTime(string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time))
        {
            throw new ArgumentException($"'{text}' is not a time such as 2026-11-21T14:30:00Z or '2026-11-21 14:30:00.250+01'");
        }
        return new RecoveryTarget(RecoveryTargetKind.Time, time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture), time);
    }

    /// <summary>An LSN target such as 0/3000060.</summary>
    public static RecoveryTarget AtLsn(string text)
    {
        try
        {
            var lsn = Wal.Lsn.Parse(text);
            return new RecoveryTarget(RecoveryTargetKind.Lsn, lsn.ToString(), Lsn: lsn);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message);
        }
    }

    /// <summary>A transaction ID target.</summary>
    public static RecoveryTarget AtXid(string text) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _)
        ? new RecoveryTarget(RecoveryTargetKind.Xid, text)
        : throw new ArgumentException($"'{text}' is not a transaction ID (a number)");

    /// <summary>A named restore point.</summary>
    public static RecoveryTarget AtName(string name) => name.Length is > 0 and < 64
        ? new RecoveryTarget(RecoveryTargetKind.Name, name)
        : throw new ArgumentException("a restore point name has 1 to 63 characters");

    /// <summary>
    /// Stands for <paramref name="requested"/> (a time after every archived commit): stop right after the commit
    /// record that starts at <paramref name="commit"/> (recovery_target_lsn, inclusive, compares record starts).
    /// </summary>
    public static RecoveryTarget AfterCommit(Lsn commit, RecoveryTarget requested) =>
        new(RecoveryTargetKind.Lsn, commit.ToString(), Lsn: commit, Requested: requested);

    /// <summary>Stands for <paramref name="requested"/> when no commit follows the base backup's consistency point: stop there.</summary>
    public static RecoveryTarget Immediate(RecoveryTarget requested) => new(RecoveryTargetKind.Immediate, "immediate", Requested: requested);

    /// <summary>The recovery_target_* setting, or null for <see cref="RecoveryTargetKind.Latest"/>.</summary>
    public (string Setting, string Value)? Setting => Kind switch
    {
        RecoveryTargetKind.Time => ("recovery_target_time", Value),
        RecoveryTargetKind.Lsn => ("recovery_target_lsn", Value),
        RecoveryTargetKind.Xid => ("recovery_target_xid", Value),
        RecoveryTargetKind.Name => ("recovery_target_name", Value),
        RecoveryTargetKind.Immediate => ("recovery_target", Value),
        _ => null,
    };

    /// <summary>
    /// Whether a base backup can start a recovery to this target: it must have become consistent before it (stopped
    /// before the time or LSN). Xid and name targets cannot be placed in time, so any backup may serve.
    /// </summary>
    public bool CanStartFrom(BaseBackupInfo backup) => Kind switch
    {
        RecoveryTargetKind.Time => backup.StopTime < Time!.Value,
        RecoveryTargetKind.Lsn => backup.StopLsn <= Lsn!.Value,
        _ => true,
    };

    /// <inheritdoc/>
    public override string ToString() => Requested is { } requested
        ? $"{requested} (no archived commit after it: {Setting!.Value.Setting} = '{Value}', {(Kind == RecoveryTargetKind.Immediate ? "the base backup's consistency point" : "the last commit")})"
        : Kind == RecoveryTargetKind.Latest ? "latest (everything archived)" : $"{Setting!.Value.Setting} = '{Value}'";
}
