namespace Lifeboat.Plan;

/// <summary>A position in the plan file: 1-based line and column, as an editor shows them.</summary>
public readonly record struct PlanMark(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}";
}
