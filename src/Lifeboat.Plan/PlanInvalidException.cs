namespace Lifeboat.Plan;

/// <summary>Thrown when a plan file has mistakes; carries every one of them, in file order.</summary>
public sealed class PlanInvalidException(string file, IReadOnlyList<PlanError> errors)
    : Exception($"the plan {file} has {errors.Count} error{(errors.Count == 1 ? "" : "s")}:{Environment.NewLine}"
        + string.Join(Environment.NewLine, errors.Select(e => "  " + e.Format(file)))
        + $"{Environment.NewLine}fix them and run 'lifeboat plan validate --plan {file}' again")
{
    /// <summary>The plan file's path.</summary>
    public string File { get; } = file;

    /// <summary>Every error found.</summary>
    public IReadOnlyList<PlanError> Errors { get; } = errors;
}
