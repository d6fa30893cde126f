using System.CommandLine;
using Lifeboat.Chunking;
using Lifeboat.Repository;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat init</c>: creates a repository.</summary>
public static class InitCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var compression = new Option<int>("--compression-level")
        {
            Description = "zstd level for new data, 0 to store uncompressed (default 3)",
            DefaultValueFactory = _ => 3,
        };
        var average = new Option<int>("--average-chunk-kib")
        {
            Description = "Average chunk size in KiB, a power of two from 64 to 2048 (default 512); the minimum is a quarter of it, the maximum twice it (at least 2 MiB)",
            DefaultValueFactory = _ => ChunkerParameters.Default.AverageSize / 1024,
        };
        var copyFrom = new Option<string?>("--copy-chunker-from")
        {
            Description = "Share chunking parameters and chunk IDs with this repository, so 'copy' between them sends only missing chunks (its password: --from-password-file, $LIFEBOAT_FROM_PASSWORD(_FILE))",
        };
        var fromPasswordFile = new Option<string?>("--from-password-file") { Description = "Password file of the --copy-chunker-from repository" };
        var command = new Command("init", "Create a new encrypted repository") { compression, average, copyFrom, fromPasswordFile };
        command.SetBody(async (context, ct) =>
        {
            var level = context.Parse.GetValue(compression);
            if (level is < 0 or > 22)
            {
                throw new UsageException("--compression-level must be between 0 and 22");
            }
            var chunker = ChunkerParameters.WithAverage(context.Parse.GetValue(average) * 1024);
            var location = context.RepositoryLocation;
            var s3 = Cli.RepositoryLocation.IsS3(location);
            IBlobStore store;
            string root;
            if (s3)
            {
                // A bucket has no folders to create; a config object is the one thing that must not be there yet.
                store = context.OpenStore();
                root = store.Location;
                if (await Repository.Repository.ExistsAsync(store, ct))
                {
                    throw new RepositoryExistsException($"{root} already holds a repository (it has a config object)");
                }
            }
            else
            {
                root = Path.GetFullPath(location);
                if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any()
                    && !await Repository.Repository.ExistsAsync(new LocalBlobStore(root), ct))
                {
                    throw new RepositoryExistsException($"{root} exists and is not empty; choose an empty or new directory");
                }
                store = new LocalBlobStore(root);
            }
            var config = RepositoryConfig.Create(chunker, level, RepositoryConfig.DefaultPackSize);
            Crypto.MasterKey? key = null;
            if (context.Parse.GetValue(copyFrom) is { } sourceLocation)
            {
                var source = await Repository.Repository.OpenAsync(CommandContext.OpenStore(sourceLocation),
                    PasswordSource.ReadSource(context.Parse.GetValue(fromPasswordFile)), ct);
                config = config with
                {
                    ChunkMin = source.Config.ChunkMin, ChunkAverage = source.Config.ChunkAverage, ChunkMax = source.Config.ChunkMax,
                    GearSeed = source.Config.GearSeed,
                };
                key = Crypto.MasterKey.WithChunkIdsOf(source.Key);
            }
            var password = PasswordSource.Read(context.Parse, confirm: true);
            if (!s3)
            {
                // Only now, so that a refused password leaves no empty folder behind.
                store = LocalBlobStore.Create(root);
            }
            var repository = await Repository.Repository.InitAsync(store, password, config, ct, key: key);
            if (context.Json)
            {
                CommandContext.WriteJson(new { repository = root, id = config.Id, key = repository.KeyName.ToString() });
            }
            else
            {
                Console.WriteLine($"created repository {config.Id[..8]} at {root}");
                Console.WriteLine("keep the password safe: without it the data cannot be restored");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
