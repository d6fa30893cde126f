using System.Runtime.CompilerServices;
using Lifeboat.Storage;
using Lifeboat.Storage.S3;

namespace Lifeboat.Cli;

/// <summary>
/// Turns a repository location into its store. The S3 assembly (the AWS SDK) is touched only for <c>s3:</c>
/// locations, so local commands do not pay for loading it.
/// </summary>
public static class RepositoryLocation
{
    /// <summary>Whether a location names an S3 bucket (it starts with <c>s3:</c>).</summary>
    public static bool IsS3(string location) => location.StartsWith("s3:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The store: an S3 bucket for an <c>s3:</c> URL, else a local directory.</summary>
    public static IBlobStore OpenStore(string location) =>
        IsS3(location) ? OpenS3(location) : new LocalBlobStore(Path.GetFullPath(location));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IBlobStore OpenS3(string location)
    {
        try
        {
            return new S3BlobStore(S3Location.Parse(location));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
