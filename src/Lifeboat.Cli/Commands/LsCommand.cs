using System.CommandLine;
using Lifeboat.Snapshots;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat ls SNAPSHOT [PATH]</c>: lists a snapshot's contents.</summary>
public static class LsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var snapshot = new Argument<string>("snapshot") { Description = "Snapshot ID (or a unique prefix) or 'latest'" };
        var path = new Argument<string?>("path") { Description = "Only list below this absolute path", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ls", "List the files in a snapshot") { snapshot, path };
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.None, ct);
            var (_, found) = await CommandContext.FindSnapshotAsync(repository, context.Parse.GetValue(snapshot)!, null, [], ct);
            var prefix = context.Parse.GetValue(path) is { } p ? "/" + p.Trim('/') : null;
            var rows = new List<object>();
            var unreadable = new List<(string Path, string Reason)>();
            bool Wanted(string nodePath) =>
                prefix is null || nodePath == prefix || nodePath.StartsWith(prefix + "/", StringComparison.Ordinal);
            // Only directories on the way to the prefix are read; one that cannot be is named, and the rest still listed.
            await new TreeReader(repository).WalkAsync(TreeReader.ParseId(found.Tree), "/", (nodePath, node) =>
            {
                if (Wanted(nodePath))
                {
                    if (context.Json)
                    {
                        rows.Add(new { path = nodePath, type = node.Type, size = node.Size, mode = Convert.ToString(node.Mode, 8), mtime = DateTimeOffset.FromUnixTimeMilliseconds(node.MtimeNanos / 1_000_000) });
                    }
                    else
                    {
                        var mode = Convert.ToString(node.Mode, 8).PadLeft(4, '0');
                        var time = DateTimeOffset.FromUnixTimeMilliseconds(node.MtimeNanos / 1_000_000).UtcDateTime;
                        var suffix = node.Type == TreeNode.Symlink ? " -> " + node.Target : node.Type == TreeNode.Directory ? "/" : "";
                        Console.WriteLine($"{node.Type,-7} {mode} {node.Uid,5}:{node.Gid,-5} {node.Size,12}  {time:yyyy-MM-dd HH:mm:ss}  {nodePath}{suffix}");
                    }
                }
                return Task.CompletedTask;
            }, (nodePath, _) => Wanted(nodePath) || prefix!.StartsWith(nodePath + "/", StringComparison.Ordinal),
            (nodePath, reason) => unreadable.Add((nodePath, reason)), ct);
            if (context.Json)
            {
                CommandContext.WriteJson(rows);
            }
            foreach (var (nodePath, reason) in unreadable)
            {
                Console.Error.WriteLine($"lifeboat: cannot list {nodePath}: {reason}");
            }
            if (unreadable.Count > 0)
            {
                Console.Error.WriteLine($"lifeboat: {unreadable.Count} directories could not be listed; run 'lifeboat check --read-data' (exit code 3)");
                return ExitCodes.Incomplete;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
