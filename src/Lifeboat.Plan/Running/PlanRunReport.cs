using Lifeboat.Runs;

namespace Lifeboat.Plan.Running;

/// <summary>The outcome of a plan run: one record per component, and the records that could not be stored.</summary>
public sealed record PlanRunReport(IReadOnlyList<RunRecord> Runs, IReadOnlyList<string> UnrecordedErrors)
{
    /// <summary>Whether every component succeeded and every record was stored.</summary>
    public bool Success => Runs.All(r => r.Outcome == RunRecord.Success) && UnrecordedErrors.Count == 0;
}
