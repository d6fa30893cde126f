using Lifeboat.Plan;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Server.Plans;

/// <summary>Which of a plan's components the daemon schedules, and how.</summary>
public static class PlanScheduling
{
    /// <summary>The catch-up policy when neither the command line nor the plan sets one.</summary>
    public const CatchUpPolicy DefaultCatchUp = CatchUpPolicy.Once;

    /// <summary>
    /// The components of <paramref name="plan"/> that have a schedule (the others run only by hand). Each setting comes
    /// from the command line when given there (<paramref name="catchUp"/>, <paramref name="attempts"/>,
    /// <paramref name="retryDelay"/>: it overrides the plan for every component), else from the component's own
    /// <c>catch-up:</c> / <c>retry:</c>, else from the plan's <c>defaults:</c>, else from <see cref="DefaultCatchUp"/> and
    /// <see cref="RetryPolicy.Default"/>. The longest wait between attempts is 32 times the first.
    /// </summary>
    public static IReadOnlyList<ScheduledComponent> Components(BackupPlan plan, CatchUpPolicy? catchUp = null, int? attempts = null, TimeSpan? retryDelay = null) =>
        plan.Components
            .Where(c => c.Schedule is not null)
            .Select(c =>
            {
                var delay = retryDelay ?? c.Retry?.Delay ?? RetryPolicy.Default.InitialDelay;
                var retry = new RetryPolicy
                {
                    MaxAttempts = attempts ?? c.Retry?.Attempts ?? RetryPolicy.Default.MaxAttempts, InitialDelay = delay, MaxDelay = delay * 32,
                };
                var policy = catchUp ?? (c.CatchUp is { } planned ? Policy(planned) : DefaultCatchUp);
                return new ScheduledComponent(c.Name, new CronScheduleAdapter(c.Schedule!), policy, retry, c.Rpo);
            })
            .ToList();

    /// <summary>
    /// The webhook URLs of the plan's <c>notify:</c>, read from their variables and files now; throws
    /// <see cref="InvalidOperationException"/> naming the variable or file (never the URL) when one is missing or not an
    /// http(s) URL.
    /// </summary>
    public static IReadOnlyList<Uri> Webhooks(BackupPlan plan) =>
        [.. plan.Webhooks.Select(secret =>
        {
            var text = secret.Read().Trim();
            var source = secret.Variable is not null ? $"the environment variable {secret.Variable}" : $"the file {secret.File}";
            return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw new InvalidOperationException($"the webhook URL in {source} (named by the plan's notify: webhooks) is not an http(s) URL; put the full https://... URL there");
        })];

    private static CatchUpPolicy Policy(PlanCatchUp catchUp) => catchUp == PlanCatchUp.Skip ? CatchUpPolicy.Skip : CatchUpPolicy.Once;
}
