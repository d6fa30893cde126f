using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Storage.S3.Buckets;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat restore bucket [SNAPSHOT] (--to s3:…/BUCKET[/PREFIX] | --target DIR) [--overwrite]</c>: a bucket snapshot
/// uploaded into a bucket or written as files.
/// </summary>
public static class BucketRestoreCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var to = new Option<string?>("--to") { Description = "Upload the objects under this bucket and prefix (s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX])" };
        var target = new Option<string?>("--target", "-t") { Description = "Write the objects as files under this new or empty directory" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace existing objects or files that differ (default: refuse, writing nothing)" };
        var noCreate = new Option<bool>("--no-create-bucket") { Description = "Fail when the --to bucket does not exist (default: create it, with the server's default settings)" };
        var parallel = new Option<int>("--parallel") { Description = "Objects restored at once", DefaultValueFactory = _ => 8 };
        var command = new Command("bucket", "Restore a bucket snapshot into a bucket (content, content type, metadata; every upload verified) or a directory")
        {
            to, target, overwrite, noCreate, parallel,
        };
        SourceRestore.AddSelection(command);
        command.SetBody(async (context, ct) =>
        {
            var bucket = context.Parse.GetValue(to);
            var directory = context.Parse.GetValue(target);
            if ((bucket is null) == (directory is null))
            {
                throw new UsageException("give either --to s3:…/BUCKET[/PREFIX] or --target DIR");
            }
            if (bucket is null && context.Parse.GetValue(noCreate))
            {
                throw new UsageException("--no-create-bucket applies to --to s3:…/BUCKET only");
            }
            var options = new BucketRestoreOptions
            {
                Overwrite = context.Parse.GetValue(overwrite), Parallelism = Math.Max(1, context.Parse.GetValue(parallel)), CreateBucket = !context.Parse.GetValue(noCreate),
            };
            var location = bucket is null ? null : BucketBackupCommand.ParseLocation(bucket);
            var (repository, id, snapshot) = await SourceRestore.OpenAsync(context, "bucket", ct);
            var stopwatch = Stopwatch.StartNew();
            var restorer = new BucketRestorer(repository);
            var result = location is not null
                ? await restorer.ToBucketAsync(snapshot, location, options, context.Token)
                : await restorer.ToDirectoryAsync(snapshot, directory!, options, context.Token);
            var where = location?.ToString() ?? Path.GetFullPath(directory!);
            if (context.Json)
            {
                CommandContext.WriteJson(new
                {
                    snapshot = id.ToString(), target = where, objects = result.Objects, bytes = result.Bytes, written = result.Written,
                    identical = result.Identical, createdBucket = result.CreatedBucket, seconds = stopwatch.Elapsed.TotalSeconds,
                });
            }
            else
            {
                if (result.CreatedBucket)
                {
                    Console.WriteLine($"created bucket {location!.Bucket}, which did not exist, with the server's default settings: set its policy, versioning, lifecycle and encryption again");
                }
                Console.WriteLine($"restored {result.Objects} objects ({Size.Format(result.Bytes)}) of snapshot {id.Short} to {where}: "
                    + $"{result.Written} written and verified, {result.Identical} already identical, in {stopwatch.Elapsed.TotalSeconds:0.00} s");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
