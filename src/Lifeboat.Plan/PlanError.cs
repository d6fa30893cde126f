namespace Lifeboat.Plan;

/// <summary>One mistake in a plan file: where it is, what is wrong, and what to do about it.</summary>
public sealed record PlanError(PlanMark Mark, string Message, string? Hint = null)
{
    /// <summary>The error as <c>FILE:LINE:COLUMN: message — hint</c>.</summary>
    public string Format(string file) => $"{file}:{Mark.Line}:{Mark.Column}: {this}";

    /// <inheritdoc />
    public override string ToString() => Hint is null ? Message : $"{Message} — {Hint}";
}
