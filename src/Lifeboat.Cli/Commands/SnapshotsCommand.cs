using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat snapshots</c>: lists snapshots, oldest first, then the damaged ones; exit code 4 when there is a
/// damaged one (it is named on stderr and, in the table, marked DAMAGED).
/// </summary>
public static class SnapshotsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("snapshots", "List snapshots, oldest first");
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            var listing = await repository.ListSnapshotsAsync(ct);
            var snapshots = listing.Readable;
            var code = listing.Damaged.Count == 0 ? ExitCodes.Success : ExitCodes.Damaged;
            foreach (var damaged in listing.Damaged)
            {
                await Console.Error.WriteLineAsync($"lifeboat: damaged snapshot: {damaged}; 'lifeboat check' reports what it affects, 'lifeboat forget {damaged.Id.Short}' removes it");
            }
            if (context.Json)
            {
                CommandContext.WriteJson(snapshots.Select(s => new { id = s.Id.ToString(), snapshot = s.Snapshot }));
                return code;
            }
            // Columns as wide as their longest value: a host or component cut short can no longer be told from
            // another, or passed to --host or --component.
            var hostWidth = snapshots.Select(s => s.Snapshot.Host.Length).Append("Host".Length).Max();
            var componentWidth = snapshots.Select(s => s.Snapshot.Component.Length).Append("Component".Length).Max();
            Console.WriteLine($"{"ID",-8}  {"Time",-19}  {"Host".PadRight(hostWidth)}  {"Component".PadRight(componentWidth)}  {"Size",10}  Tags / Paths");
            foreach (var (id, s) in snapshots)
            {
                var size = Size.Format(s.Summary?.TotalBytes ?? 0);
                var tags = s.Tags.Count > 0 ? "[" + string.Join(",", s.Tags) + "] " : "";
                Console.WriteLine($"{id.Short,-8}  {s.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {s.Host.PadRight(hostWidth)}  {s.Component.PadRight(componentWidth)}  {size,10}  {tags}{string.Join(" ", s.Paths)}");
            }
            foreach (var damaged in listing.Damaged)
            {
                Console.WriteLine($"{damaged.Id.Short,-8}  DAMAGED  {damaged.Reason}");
            }
            Console.WriteLine(listing.Damaged.Count == 0 ? $"{snapshots.Count} snapshots" : $"{snapshots.Count} snapshots, {listing.Damaged.Count} damaged");
            return code;
        });
        return command;
    }
}
