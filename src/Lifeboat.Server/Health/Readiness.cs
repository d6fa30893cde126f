namespace Lifeboat.Server.Health;

/// <summary>Whether the daemon can do its work: every probe holds, and it is neither starting nor shutting down.</summary>
public sealed class Readiness(IReadOnlyList<ReadinessProbe> probes)
{
    // A probe that hangs (an unreachable NFS mount, a stalled S3 endpoint) is itself a reason.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    private volatile string? _phase = "starting";

    /// <summary>Marks the scheduler as running.</summary>
    public void Started() => _phase = null;

    /// <summary>Marks the daemon as shutting down.</summary>
    public void Stopping() => _phase = "shutting down: no new runs start";

    /// <summary>Every reason the daemon is not ready, empty when it is.</summary>
    public async Task<IReadOnlyList<string>> ReasonsAsync(CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        if (_phase is { } phase)
        {
            reasons.Add(phase);
        }
        var checks = probes.Select(p => CheckAsync(p, cancellationToken)).ToList();
        foreach (var reason in await Task.WhenAll(checks))
        {
            if (reason is not null)
            {
                reasons.Add(reason);
            }
        }
        return reasons;
    }

    private static async Task<string?> CheckAsync(ReadinessProbe probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            var reason = await probe.CheckAsync(timeout.Token).WaitAsync(timeout.Token);
            return reason is null ? null : $"{probe.Name}: {reason}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{probe.Name}: no answer within {ProbeTimeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"{probe.Name}: {e.Message}";
        }
    }
}
