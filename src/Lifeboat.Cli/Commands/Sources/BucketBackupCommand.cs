using System.CommandLine;
using Lifeboat.Storage.S3;
using Lifeboat.Storage.S3.Buckets;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary><c>lifeboat backup bucket s3:http://HOST:PORT/BUCKET[/PREFIX]</c>: a bucket's objects as a snapshot.</summary>
public static class BucketBackupCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var location = new Argument<string>("bucket") { Description = "The bucket and optional prefix: s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX], or s3:BUCKET[/PREFIX] for Amazon S3 (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)" };
        var parallel = new Option<int>("--parallel") { Description = "Objects downloaded at once", DefaultValueFactory = _ => 8 };
        var command = new Command("bucket", "Back up the objects of an S3 bucket or prefix (content, keys, ETags, metadata); unchanged objects are reused from the last snapshot")
        {
            location, parallel,
        };
        SourceBackup.AddCommonOptions(command);
        command.SetBody((context, ct) =>
        {
            var workers = context.Parse.GetValue(parallel);
            if (workers < 1)
            {
                throw new UsageException("--parallel must be at least 1");
            }
            return SourceBackup.RunAsync(context, new BucketSource(ParseLocation(context.Parse.GetValue(location)!), parallelism: workers), ct);
        });
        return command;
    }

    /// <summary>Parses an <c>s3:</c> location given on the command line; a malformed one is a usage error.</summary>
    public static S3Location ParseLocation(string text)
    {
        try
        {
            return S3Location.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message + " (for example s3:http://127.0.0.1:9000/videos/2024)");
        }
    }
}
