using System.Diagnostics;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The batch part of <c>wal push</c>: after the requested file is durable, archive the segments PostgreSQL has already
/// marked ready, so that its own, later <c>wal push</c> of each finds a spool marker and exits at once.
/// </summary>
internal static class WalBatch
{
    // PostgreSQL waits for this push; more than this and a slow repository would stall the archiver in one call.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Archives up to <paramref name="limit"/> ready siblings of <paramref name="walFile"/>, two at a time, recording a
    /// marker for each only once it is durable. Stops at the first failure with a warning: the segment's own push
    /// later reports that failure as its exit status, so nothing is lost by not archiving it here.
    /// </summary>
    public static async Task PushReadyAsync(WalArchive archive, WalSpool spool, string walFile, string component, int limit, CancellationToken cancellationToken)
    {
        spool.Sweep(Path.GetDirectoryName(Path.GetFullPath(walFile))!);
        var ready = spool.ReadySiblings(walFile, limit);
        if (ready.Count == 0)
        {
            return;
        }
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? failure = null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 2), CancellationToken = stop.Token };
        try
        {
            await Parallel.ForEachAsync(ready, options, async (segment, ct) =>
            {
                if (clock.Elapsed > Budget)
                {
                    return;
                }
                try
                {
                    var (_, sha256, stamp) = await archive.PushFileAsync(segment, component, ct);
                    await spool.RecordAsync(segment, sha256, stamp, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.CompareExchange(ref failure, $"{Path.GetFileName(segment)}: {e.Message}", null);
                    await stop.CancelAsync();
                }
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Stopped after a failure, reported below.
        }
        if (failure is not null)
        {
            await Console.Error.WriteLineAsync($"lifeboat: warning: archiving ready segments ahead stopped ({failure}); each is archived, or fails, when PostgreSQL pushes it");
        }
    }
}
