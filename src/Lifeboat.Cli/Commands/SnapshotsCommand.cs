using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat snapshots</c>: lists snapshots, oldest first.</summary>
public static class SnapshotsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("snapshots", "List snapshots, oldest first");
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            var damaged = new List<string>();
            var snapshots = await repository.LoadSnapshotsAsync(ct, damaged);
            foreach (var warning in damaged)
            {
                await Console.Error.WriteLineAsync($"lifeboat: warning: damaged snapshot not listed: {warning}; 'lifeboat check' reports what it affects");
            }
            if (context.Json)
            {
                CommandContext.WriteJson(snapshots.Select(s => new { id = s.Id.ToString(), snapshot = s.Snapshot }));
                return ExitCodes.Success;
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
            Console.WriteLine($"{snapshots.Count} snapshots");
            return ExitCodes.Success;
        });
        return command;
    }
}
