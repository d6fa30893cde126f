namespace Lifeboat.Server.Health;

/// <summary>One condition of readiness: returns null when it holds, else the reason (what is wrong and what to do).</summary>
/// <param name="Name">What it checks, e.g. "repository".</param>
/// <param name="CheckAsync">The check; throwing counts as not ready, with the exception's message as the reason.</param>
public sealed record ReadinessProbe(string Name, Func<CancellationToken, Task<string?>> CheckAsync);
