using Lifeboat.Backup;
using Lifeboat.Runs;

namespace Lifeboat.Plan.Running;

/// <summary>What happened to one component during a plan run, filled in step by step and turned into its run record.</summary>
internal sealed class ComponentRun(PlanComponent component)
{
    private readonly List<string> _errors = [];

    public PlanComponent Component { get; } = component;
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public BackupResult? Result { get; set; }
    public bool Skipped { get; set; }
    public int Forgotten { get; set; }
    public int Copied { get; set; }

    /// <summary>Whether the backup recorded a complete snapshot (retention and the offsite copy may still fail).</summary>
    public bool BackedUp => Result is { Errors.Count: 0 } && _errors.Count == 0;

    public bool Failed => Skipped || _errors.Count > 0 || Result is null || Result.Errors.Count > 0;

    public void Fail(string error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }

    public RunRecord ToRecord(string host, string trigger)
    {
        var errors = new List<string>(_errors);
        if (Result is { Errors.Count: > 0 } partial)
        {
            errors.Insert(0, $"{partial.Errors.Count} files could not be read and are not in snapshot {partial.Id.Short}: {string.Join("; ", partial.Errors.Take(5))}");
        }
        var summary = Result?.Snapshot.Summary;
        return new RunRecord
        {
            Component = Component.Name, Kind = Component.Kind, Host = host, Trigger = trigger, Start = Start, End = End,
            Outcome = Skipped ? RunRecord.Skipped : Failed ? RunRecord.Failed : RunRecord.Success,
            Snapshot = Result?.Id.ToString(), BytesRead = summary?.BytesRead ?? 0, BytesStored = summary?.StoredBytes ?? 0,
            Forgotten = Forgotten, Copied = Copied, Error = errors.Count == 0 ? null : string.Join("; ", errors),
        };
    }
}
