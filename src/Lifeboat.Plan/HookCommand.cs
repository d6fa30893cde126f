namespace Lifeboat.Plan;

/// <summary>
/// A command run around a backup or restore. A list in the plan is the program and its arguments, run without a
/// shell; a single string runs through <c>/bin/sh -c</c>.
/// </summary>
public sealed record HookCommand(IReadOnlyList<string> Arguments)
{
    /// <summary>A hook written as one string: run by the shell.</summary>
    public static HookCommand Shell(string text) => new(["/bin/sh", "-c", text]);

    /// <inheritdoc />
    public override string ToString() => Arguments.Count == 3 && Arguments[0] == "/bin/sh" ? Arguments[2] : string.Join(' ', Arguments);
}
