using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// A bucket (and key prefix) read or written object by object, every request retried as <see cref="S3BlobStoreOptions"/>
/// says and failing with an <see cref="IOException"/> that names it. Safe for concurrent use; dispose to release the
/// HTTP connections.
/// </summary>
internal sealed class BucketConnection : IDisposable
{
    /// <summary>Sets up the client; nothing is sent until the first request.</summary>
    public BucketConnection(S3Location location, S3BlobStoreOptions options)
    {
        options.Validate();
        Location = location;
        Options = options;
        Runner = new S3RequestRunner(options, location.ToString());
        Client = S3Clients.Create(location, options);
    }

    /// <summary>The bucket and prefix.</summary>
    public S3Location Location { get; }

    /// <summary>Retry budget, timeouts, credentials, multipart sizes.</summary>
    public S3BlobStoreOptions Options { get; }

    /// <summary>Runs requests with the retry budget.</summary>
    public S3RequestRunner Runner { get; }

    /// <summary>The SDK client, for requests this class does not wrap; run them through <see cref="Runner"/>.</summary>
    public AmazonS3Client Client { get; }

    /// <summary>The key prefix that selects the location's objects: "" or "prefix/".</summary>
    public string KeyPrefix => Location.Prefix.Length == 0 ? "" : Location.Prefix + "/";

    /// <summary>
    /// Every object under the prefix, in key order, page after page; throws when a page fails or a listing is cut
    /// without a continuation token, so a short listing is never taken for the whole bucket.
    /// </summary>
    public async IAsyncEnumerable<S3Object> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        var page = 0;
        do
        {
            page++;
            var request = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = KeyPrefix, ContinuationToken = token, MaxKeys = 1000 };
            var response = await Runner.RunAsync($"LIST {KeyPrefix} (page {page})", null,
                (_, ct) => Client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var entry in response.S3Objects ?? [])
            {
                yield return entry;
            }
            token = response.IsTruncated == true ? response.NextContinuationToken : null;
            if (response.IsTruncated == true && string.IsNullOrEmpty(token))
            {
                throw new IOException($"S3 listing of {Location} was cut after page {page} without a continuation token");
            }
        }
        while (token is not null);
    }

    /// <summary>
    /// Creates the bucket when it does not exist (with the server's default settings; on Amazon S3 in the client's
    /// region) and returns true; returns false when it exists. Any other failure throws, naming the request.
    /// </summary>
    public async Task<bool> CreateBucketIfMissingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var probe = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = KeyPrefix, MaxKeys = 1 };
            await Runner.RunAsync($"LIST {KeyPrefix}", null, (_, ct) => Client.ListObjectsV2Async(probe, ct), cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { ErrorCode: "NoSuchBucket" })
        {
            // Lost with its region or deleted: the restore recreates it below.
        }
        await Runner.RunAsync($"CREATE BUCKET {Location.Bucket}", null,
            (_, ct) => Client.PutBucketAsync(new PutBucketRequest { BucketName = Location.Bucket, UseClientRegion = Location.Endpoint is null }, ct),
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The object's metadata, or null when there is no such key.</summary>
    public async Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await Runner.RunAsync($"HEAD {key}", null,
                (_, ct) => Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Location.Bucket, Key = key }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
    }

    /// <summary>Deletes a key; failures are the caller's to report.</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Runner.RunAsync($"DELETE {key}", null,
            (_, ct) => Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = key }, ct), cancellationToken);

    /// <summary>The ETag as the manifest records it: without quotes, lower case.</summary>
    public static string Unquote(string? etag) => (etag ?? "").Trim('"').ToLowerInvariant();

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => Client.Dispose();
}
