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
        var path = new Argument<string?>("path") { Description = "Only list this absolute path and what is below it", Arity = ArgumentArity.ZeroOrOne };
        var component = new Option<string?>("--component") { Description = "With 'latest': only snapshots of this component" };
        var host = new Option<string?>("--host") { Description = "With 'latest': only snapshots from this host" };
        var command = new Command("ls", "List the files in a snapshot") { snapshot, path, component, host };
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: true, LockMode.None, ct);
            var (id, found) = await CommandContext.FindSnapshotAsync(repository, context.Parse.GetValue(snapshot)!, context.Parse.GetValue(host), [], ct,
                context.Parse.GetValue(component));
            var prefix = context.Parse.GetValue(path) is { } p ? "/" + p.Trim('/') : null;
            var rows = new List<object>();
            var listed = 0;
            var unreadable = new List<(string Path, string Reason)>();
            bool Wanted(string nodePath) =>
                prefix is null || prefix == "/" || nodePath == prefix || nodePath.StartsWith(prefix + "/", StringComparison.Ordinal);
            // Only directories on the way to the prefix are read; one that cannot be is named, and the rest still listed.
            await new TreeReader(repository).WalkAsync(TreeReader.ParseId(found.Tree), "/", (nodePath, node) =>
            {
                if (Wanted(nodePath))
                {
                    listed++;
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
            // An empty listing would read as "the path is there and empty"; a path the snapshot lacks is an error
            // (unless a listing on the way to it could not be read: that is reported below as damage).
            if (prefix is not null && listed == 0 && unreadable.Count == 0)
            {
                throw new UsageException($"snapshot {id.Short} holds nothing at {prefix}; 'lifeboat ls {id.Short}' lists what it holds");
            }
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
