using System.Diagnostics;
using System.Globalization;
using Lifeboat.FileSystem;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Archiving ahead, the batch part of <c>wal push</c>: a push that had to archive its own file also starts one
/// background process (<c>wal ahead</c>) that archives the segments PostgreSQL has already marked ready, two at a time,
/// recording a spool marker for each once it is durable. PostgreSQL's own later push of each such segment then finishes
/// from the marker, or waits for it while the background process still works on it (see <see cref="WalSpool.WaitForAhead"/>).
/// The push that starts it does not wait: the compressing of later segments overlaps the pushes PostgreSQL runs one by
/// one, which is how pgBackRest's asynchronous archiving works too.
/// </summary>
internal static class WalBatch
{
    // One background process archives for at most this long, then exits; the next push that finds work starts another.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    /// <summary>How long a push waits for the marker of a segment a running background process has claimed.</summary>
    public static readonly TimeSpan MarkerWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts the background process for the ready siblings of <paramref name="walFile"/> unless there are none or one
    /// already runs, and claims them for it. A process that cannot be started is reported as a warning: the push itself
    /// goes on, and each segment is then archived by its own push.
    /// </summary>
    public static void StartAhead(CommandContext context, WalSpool spool, string walFile, string component, int limit)
    {
        if (spool.ReadClaim() is { } running && running.IsRunning())
        {
            return;
        }
        var ready = spool.ReadySiblings(walFile, limit);
        if (ready.Count == 0)
        {
            return;
        }
        try
        {
            var program = ThisProgram.Command();
            var start = new ProcessStartInfo(program[0])
            {
                UseShellExecute = false,
                // Never a prompt: the password comes from where this push got it, or the process fails and says so.
                RedirectStandardInput = true,
            };
            foreach (var word in program[1..])
            {
                start.ArgumentList.Add(word);
            }
            if (context.Parse.GetValue(GlobalOptions.PasswordFile) is { } passwordFile)
            {
                start.ArgumentList.Add("--password-file");
                start.ArgumentList.Add(Path.GetFullPath(passwordFile));
            }
            foreach (var argument in (string[])["--repo", context.RepositoryLocation, "wal", "ahead", Path.GetFullPath(walFile),
                "--component", component, "--spool", spool.Directory, "--batch", limit.ToString(CultureInfo.InvariantCulture), "--quiet"])
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start) ?? throw new InvalidOperationException("no process was started");
            process.StandardInput.Close();
            spool.Claim(new WalAheadClaim(process.Id, [.. ready.Select(Path.GetFileName).OfType<string>()]));
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"lifeboat: warning: archiving ahead could not start ({e.Message}); each segment is archived by its own push");
        }
    }

    /// <summary>
    /// The background process: under the spool's lock (another running process means there is nothing to do), archives
    /// the ready siblings of <paramref name="walFile"/> (and <paramref name="walFile"/> itself first when
    /// <paramref name="includeSelf"/>: the archive script starts it for the segment it pushes) two at a time, in rounds while new ones keep becoming ready,
    /// recording a marker for each only once it is durable. Stops at the first failure with a warning: that segment's own
    /// push later reports the failure as its exit status, so nothing is lost by not archiving it here.
    /// </summary>
    public static async Task RunAheadAsync(WalArchive archive, WalSpool spool, string walFile, string component, int limit, bool includeSelf, CancellationToken cancellationToken)
    {
        using var exclusive = spool.TryLockAhead();
        if (exclusive is null)
        {
            return;
        }
        spool.Sweep(Path.GetDirectoryName(Path.GetFullPath(walFile))!);
        var clock = Stopwatch.StartNew();
        // Segments archived here stay ready until PostgreSQL's own push consumed the marker and renamed .ready to .done.
        var archived = new HashSet<string>(StringComparer.Ordinal);
        while (clock.Elapsed < Budget)
        {
            var ready = spool.ReadySiblings(walFile, limit + archived.Count, includeSelf).Where(s => !archived.Contains(s)).Take(limit).ToList();
            if (ready.Count == 0)
            {
                return;
            }
            spool.Claim(new WalAheadClaim(Environment.ProcessId, [.. ready.Select(Path.GetFileName).OfType<string>()]));
            if (await PushAllAsync(archive, spool, ready, component, clock, cancellationToken) is { } failure)
            {
                await Console.Error.WriteLineAsync($"lifeboat: warning: archiving ready segments ahead stopped ({failure}); each is archived, or fails, when PostgreSQL pushes it");
                return;
            }
            archived.UnionWith(ready);
        }
    }

    // When PostgreSQL marked the segment ready (its .ready file's ctime, ns), or null when that file is gone.
    private static long? ReadySince(string segment)
    {
        try
        {
            return Posix.LStat(Path.Combine(Path.GetDirectoryName(segment)!, "archive_status", Path.GetFileName(segment) + ".ready")).CtimeNanos;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    // The first failure, or null when every segment is durable and marked.
    private static async Task<string?> PushAllAsync(WalArchive archive, WalSpool spool, IReadOnlyList<string> segments, string component, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? failure = null;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 2), CancellationToken = stop.Token };
        try
        {
            await Parallel.ForEachAsync(segments, options, async (segment, ct) =>
            {
                if (clock.Elapsed > Budget)
                {
                    return;
                }
                try
                {
                    var (_, sha256, stamp) = await archive.PushFileAsync(segment, component, ReadySince(segment), ct);
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
            // Stopped after a failure, returned below.
        }
        return failure;
    }
}
