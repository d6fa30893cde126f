using System.CommandLine;
using Lifeboat.Chunking;
using Lifeboat.Repository;
using Lifeboat.Storage;
using Lifeboat.Storage.S3;

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
            Description = "Average chunk size in KiB, a power of two (default 512); minimum is a quarter, maximum 4 MiB",
            DefaultValueFactory = _ => ChunkerParameters.Default.AverageSize / 1024,
        };
        var command = new Command("init", "Create a new encrypted repository") { compression, average };
        command.SetBody(async (context, ct) =>
        {
            var level = context.Parse.GetValue(compression);
            if (level is < 0 or > 22)
            {
                throw new UsageException("--compression-level must be between 0 and 22");
            }
            var chunker = ChunkerParameters.WithAverage(context.Parse.GetValue(average) * 1024);
            var location = context.RepositoryLocation;
            var s3 = S3Location.IsS3(location);
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
            var password = PasswordSource.Read(context.Parse, confirm: true);
            if (!s3)
            {
                // Only now, so that a refused password leaves no empty folder behind.
                store = LocalBlobStore.Create(root);
            }
            var config = RepositoryConfig.Create(chunker, level, RepositoryConfig.DefaultPackSize);
            var repository = await Repository.Repository.InitAsync(store, password, config, ct);
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
