using Lifeboat.Plan;
using Lifeboat.Server.Health;

namespace Lifeboat.Server.Plans;

/// <summary>
/// The readiness probe of the plan file: it still exists and validates. The daemon runs the plan it loaded at start;
/// this shows an edit that broke the file before a restart would fail on it.
/// </summary>
public static class PlanProbe
{
    /// <summary>A probe named "plan" for the file at <paramref name="path"/>.</summary>
    public static ReadinessProbe For(string path, ComponentKinds kinds) => new("plan", async cancellationToken =>
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be read: {e.Message}; the daemon goes on with the plan it loaded at start";
        }
        var (_, errors) = PlanLoader.Parse(text, path, kinds);
        return errors.Count == 0
            ? null
            : $"{errors.Count} error(s) in the file on disk, the first: {errors[0].Format(path)}; fix it ('lifeboat plan validate') before the daemon restarts";
    });
}
