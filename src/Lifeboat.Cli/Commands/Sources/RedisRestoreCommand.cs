using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Restore;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore redis SNAPSHOT (--target-dir DIR [--stop-command C] [--start-command C] | --scratch [--keep-running])</c>:
/// a Redis snapshot written into a data directory, or loaded into a scratch server whose key counts are verified.
/// </summary>
public static class RedisRestoreCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var targetDir = new Option<string?>("--target-dir") { Description = "Redis's data directory: dump.rdb is swapped in atomically, the old one kept as dump.rdb.before-restore.<time>" };
        var stop = new Option<string?>("--stop-command") { Description = "With --target-dir: a shell command that stops Redis, run before the swap" };
        var start = new Option<string?>("--start-command") { Description = "With --target-dir: a shell command that starts Redis, run after the swap" };
        var scratch = new Option<bool>("--scratch") { Description = "Load the dump into a fresh redis-server on a free 127.0.0.1 port and verify the key counts" };
        var keepRunning = new Option<bool>("--keep-running") { Description = "With --scratch: leave the server running and print its port" };
        var loadTimeout = new Option<int>("--load-timeout") { Description = "With --scratch: seconds the server may take to load the dump", DefaultValueFactory = _ => 600 };
        var command = new Command("redis", "Restore a Redis snapshot into a data directory or a verified scratch server")
        {
            targetDir, stop, start, scratch, keepRunning, loadTimeout,
        };
        SourceRestore.AddSelection(command);
        command.SetBody(async (context, ct) =>
        {
            var directory = context.Parse.GetValue(targetDir);
            var toScratch = context.Parse.GetValue(scratch);
            if ((directory is null) == !toScratch)
            {
                throw new UsageException("give either --target-dir DIR or --scratch");
            }
            if (toScratch && (context.Parse.GetValue(stop) ?? context.Parse.GetValue(start)) is not null)
            {
                throw new UsageException("--stop-command and --start-command go with --target-dir");
            }
            if (!toScratch && context.Parse.GetValue(keepRunning))
            {
                throw new UsageException("--keep-running goes with --scratch");
            }
            var (repository, id, snapshot) = await SourceRestore.OpenAsync(context, "redis", ct);
            var reader = new SnapshotFileReader(repository);
            var node = await reader.FindAsync(snapshot, RedisSource.StreamName, context.Token);
            var restorer = new RedisDumpRestorer(reader, TimeProvider.System);
            var stopwatch = Stopwatch.StartNew();
            if (directory is not null)
            {
                var aside = await restorer.RestoreToDirectoryAsync(node, directory, context.Parse.GetValue(stop), context.Parse.GetValue(start), context.Token);
                var target = Path.Combine(Path.GetFullPath(directory), RedisDumpRestorer.DumpName);
                if (context.Json)
                {
                    CommandContext.WriteJson(new { snapshot = id.ToString(), target, keptAside = aside, bytes = node.Size, seconds = stopwatch.Elapsed.TotalSeconds });
                }
                else
                {
                    Console.WriteLine($"restored {RedisSource.StreamName} of snapshot {id.Short} ({Size.Format(node.Size)}, verified) to {target} in {stopwatch.Elapsed.TotalSeconds:0.00} s");
                    if (aside is not null)
                    {
                        Console.WriteLine($"  the previous file is kept as {aside}");
                    }
                }
                return ExitCodes.Success;
            }

            var (server, check) = await restorer.RestoreToScratchAsync(snapshot, node, TimeSpan.FromSeconds(context.Parse.GetValue(loadTimeout)), context.Token);
            var keep = context.Parse.GetValue(keepRunning) && check.Matches;
            try
            {
                if (!check.Matches)
                {
                    throw new InvalidOperationException($"the restored Redis data does not match snapshot {id.Short}: {string.Join("; ", check.Lines)}");
                }
                if (context.Json)
                {
                    CommandContext.WriteJson(new
                    {
                        snapshot = id.ToString(), verified = true, counts = check.Lines, seconds = stopwatch.Elapsed.TotalSeconds,
                        port = keep ? server.Port : (int?)null, pid = keep ? server.ProcessId : (int?)null, directory = keep ? server.Directory : null,
                    });
                }
                else
                {
                    Console.WriteLine($"restored snapshot {id.Short} into a scratch redis-server and verified the key counts in {stopwatch.Elapsed.TotalSeconds:0.00} s:");
                    foreach (var line in check.Lines)
                    {
                        Console.WriteLine($"  {line}");
                    }
                    if (keep)
                    {
                        Console.WriteLine($"  running on 127.0.0.1:{server.Port} (pid {server.ProcessId}, data in {server.Directory}); stop it with: redis-cli -p {server.Port} shutdown nosave");
                    }
                }
            }
            finally
            {
                if (!keep)
                {
                    await server.DisposeAsync();
                    Directory.Delete(server.Directory, recursive: true);
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
