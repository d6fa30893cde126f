using System.CommandLine;
using Lifeboat.Retention;
using Lifeboat.Sources.Postgres.Wal;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat forget --keep-…</c>: removes the snapshots a retention policy does not keep (their data stays until
/// <c>prune</c>). <c>--dry-run</c> shows what would go and which rule keeps each kept snapshot. When a PostgreSQL
/// physical base backup goes, the archived WAL of its cluster that no kept base backup needs any more is expired
/// (<c>wal expire</c> without <c>--keep-within</c>) unless <c>--keep-wal</c>; an expiry that refuses leaves the WAL and
/// exits 3 with the reason, the snapshots being removed already. A policy is never applied while a snapshot is damaged
/// (its time, host and component are unknown): forget then refuses with exit 4, and <c>forget ID...</c> removes the
/// snapshots named, damaged or not, and expires WAL the same way (a damaged one may have been a base backup of any
/// cluster, so then every archived component's WAL is expired by the base backups left).
/// </summary>
public static class ForgetCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<int> Count(string name, string what) => new(name) { Description = $"Keep the newest snapshot of each of the last N {what}" };
        var last = new Option<int>("--keep-last") { Description = "Keep the newest N snapshots" };
        var hourly = Count("--keep-hourly", "hours");
        var daily = Count("--keep-daily", "days");
        var weekly = Count("--keep-weekly", "ISO weeks");
        var monthly = Count("--keep-monthly", "months");
        var yearly = Count("--keep-yearly", "years");
        var within = new Option<string?>("--keep-within") { Description = "Keep all snapshots within this span of the newest, e.g. 30d, 2w, 6m, 1y6m, 12h" };
        var tags = new Option<string[]>("--keep-tag") { Description = "Keep every snapshot with this tag (repeatable)" };
        var host = new Option<string?>("--host") { Description = "Only consider snapshots from this host" };
        var component = new Option<string?>("--component") { Description = "Only consider snapshots of this component" };
        var timeZone = new Option<string>("--timezone") { Description = "Time zone of the calendar buckets (default UTC), e.g. Europe/Berlin", DefaultValueFactory = _ => "UTC" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only show what would be removed and why the rest is kept" };
        var keepWal = new Option<bool>("--keep-wal") { Description = "Do not expire the archived WAL that removed PostgreSQL base backups leave unneeded" };
        var ids = new Argument<string[]>("snapshots") { Description = "Snapshot IDs (or unique prefixes) to remove instead of applying a policy; the way to remove a damaged snapshot", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("forget", "Remove snapshots that a retention policy does not keep, or the snapshots named (run prune to free their data)")
        {
            last, hourly, daily, weekly, monthly, yearly, within, tags, host, component, timeZone, dryRun, keepWal, ids,
        };
        command.SetBody(async (context, ct) =>
        {
            var p = context.Parse;
            if (new[] { last, hourly, daily, weekly, monthly, yearly }.Any(o => p.GetValue(o) < 0))
            {
                throw new UsageException("keep counts cannot be negative");
            }
            TimeZoneInfo zone;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(p.GetValue(timeZone)!);
            }
            catch (TimeZoneNotFoundException)
            {
                throw new UsageException($"unknown time zone '{p.GetValue(timeZone)}'; use a name like UTC or Europe/Berlin");
            }
            var policy = new RetentionPolicy
            {
                Last = p.GetValue(last), Hourly = p.GetValue(hourly), Daily = p.GetValue(daily), Weekly = p.GetValue(weekly),
                Monthly = p.GetValue(monthly), Yearly = p.GetValue(yearly),
                Within = p.GetValue(within) is { } span ? CalendarSpan.Parse(span) : null,
                Tags = p.GetValue(tags) ?? [], TimeZone = zone,
            };
            var named = p.GetValue(ids) ?? [];
            if (named.Length > 0 && !policy.IsEmpty)
            {
                throw new UsageException("give either snapshot IDs to remove or --keep-… rules, not both");
            }
            var dry = p.GetValue(dryRun);
            var repository = await context.OpenRepositoryAsync(loadIndex: false, dry ? LockMode.None : LockMode.Exclusive, ct);
            ct = dry ? ct : context.Token;
            var listing = await repository.ListSnapshotsAsync(ct);
            if (named.Length > 0)
            {
                return await ForgetNamedAsync(context, repository, listing, named, dry, p.GetValue(keepWal), ct);
            }
            listing.ThrowIfDamaged("forget cannot tell which snapshots the policy keeps, so it removed none");
            var snapshots = listing.Readable
                .Where(s => (p.GetValue(host) is not { } h || s.Snapshot.Host == h) && (p.GetValue(component) is not { } c || s.Snapshot.Component == c));
            var decisions = RetentionPlanner.Plan(snapshots, policy);
            var (wal, refused) = await RemoveAsync(repository, [.. decisions.Where(d => !d.Keep).Select(d => (d.Id, (Snapshots.Snapshot?)d.Snapshot))], dry, p.GetValue(keepWal), ct);
            Report(context, decisions, dry, wal);
            return await RefusedAsync(refused);
        });
        return command;
    }

    // Named snapshots, damaged ones included (only their file name is needed to remove them).
    private static async Task<int> ForgetNamedAsync(CommandContext context, Repository.Repository repository, Snapshots.SnapshotListing listing,
        string[] names, bool dry, bool keepWal, CancellationToken cancellationToken)
    {
        var all = listing.Readable.Select(s => (s.Id, Damaged: (string?)null)).Concat(listing.Damaged.Select(d => (d.Id, Damaged: (string?)d.Reason))).ToList();
        var chosen = new List<(Crypto.Digest Id, string? Damaged)>();
        foreach (var name in names)
        {
            var matches = all.Where(s => s.Id.ToString().StartsWith(name.ToLowerInvariant(), StringComparison.Ordinal)).ToList();
            chosen.Add(matches.Count switch
            {
                1 => matches[0],
                0 => throw new UsageException($"no snapshot has an ID starting with '{name}'; 'lifeboat snapshots' lists them; nothing was removed"),
                _ => throw new UsageException($"'{name}' matches {matches.Count} snapshots; give more characters of the ID; nothing was removed"),
            });
        }
        var readable = listing.Readable.ToDictionary(s => s.Id, s => s.Snapshot);
        var (wal, refused) = await RemoveAsync(repository, [.. chosen.Distinct().Select(c => (c.Id, readable.GetValueOrDefault(c.Id)))], dry, keepWal, cancellationToken);
        if (context.Json)
        {
            CommandContext.WriteJson(new { dryRun = dry, removed = chosen.Distinct().Select(c => new { id = c.Id.ToString(), damaged = c.Damaged }), walExpired = WalJson(wal) });
            return await RefusedAsync(refused);
        }
        ReportWal(wal);
        foreach (var (id, damaged) in chosen.Distinct())
        {
            Console.WriteLine($"  {id.Short}  {(dry ? "would remove" : "removed")}{(damaged is null ? "" : $"  (damaged: {damaged})")}");
        }
        Console.WriteLine($"{chosen.Distinct().Count()} {(dry ? "would be removed" : "removed; run 'lifeboat prune' to free their data")}");
        return await RefusedAsync(refused);
    }

    // The one way forget removes snapshots, by a policy or by ID: delete them, then (unless a dry run or --keep-wal) expire
    // the archived WAL that only removed physical base backups needed. A null snapshot is a damaged one (its source unknown).
    private static async Task<(List<WalExpiryReport> Wal, List<string> Refused)> RemoveAsync(Repository.Repository repository,
        IReadOnlyList<(Crypto.Digest Id, Snapshots.Snapshot? Snapshot)> removed, bool dry, bool keepWal, CancellationToken cancellationToken)
    {
        if (dry)
        {
            return ([], []);
        }
        foreach (var (id, _) in removed)
        {
            await repository.Store.DeleteAsync(new BlobName(BlobKind.Snapshot, id.ToString()), cancellationToken);
        }
        return keepWal || removed.Count == 0 ? ([], []) : await WalExpiryAfterForget.RunAsync(repository, removed.Select(r => r.Snapshot), cancellationToken);
    }

    // An expiry that refused left the WAL as it was; the snapshots are gone already, so the run is incomplete (exit 3).
    private static async Task<int> RefusedAsync(List<string> refused)
    {
        foreach (var message in refused)
        {
            await Console.Error.WriteLineAsync($"lifeboat: snapshots removed, but {message}");
        }
        return refused.Count == 0 ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    private static IEnumerable<object> WalJson(List<WalExpiryReport> wal) =>
        wal.Select(w => new { component = w.Component, files = w.Expired.Count, bytes = w.BytesFreed, keptFrom = w.KeepFromSegment });

    private static void ReportWal(List<WalExpiryReport> wal)
    {
        foreach (var report in wal)
        {
            Console.WriteLine($"WAL of component '{report.Component}': deleted {report.Expired.Count} files ({Size.Format(report.BytesFreed)}) that no kept base backup needs; kept everything from {report.KeepFromSegment ?? "(no base backup left: all of it)"}");
        }
    }

    private static void Report(CommandContext context, List<RetentionDecision> decisions, bool dry, List<WalExpiryReport> wal)
    {
        if (context.Json)
        {
            CommandContext.WriteJson(new
            {
                dryRun = dry, decisions = decisions.Select(d => new { id = d.Id.ToString(), time = d.Snapshot.Time, group = d.Group, keep = d.Keep, reasons = d.Reasons }),
                walExpired = WalJson(wal),
            });
            return;
        }
        ReportWal(wal);
        foreach (var group in decisions.GroupBy(d => d.Group))
        {
            Console.WriteLine($"{group.Key}:");
            foreach (var d in group)
            {
                var verdict = d.Keep ? "keep  " : dry ? "would remove" : "removed";
                Console.WriteLine($"  {d.Id.Short}  {d.Snapshot.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {verdict}  {string.Join(", ", d.Reasons)}");
            }
        }
        var gone = decisions.Count(d => !d.Keep);
        Console.WriteLine($"{decisions.Count - gone} kept, {gone} {(dry ? "would be removed" : "removed")}{(dry || gone == 0 ? "" : "; run 'lifeboat prune' to free their data")}");
    }
}
