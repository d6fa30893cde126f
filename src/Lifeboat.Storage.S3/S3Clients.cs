using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Lifeboat.Storage.S3;

/// <summary>Makes the SDK client for a location, set up the way every S3 caller here needs it.</summary>
internal static class S3Clients
{
    /// <summary>
    /// A client for <paramref name="location"/>: path-style at its endpoint (or Amazon S3 in <c>AWS_REGION</c>), SDK
    /// retries off (the <see cref="S3RequestRunner"/> retries), no aws-chunked checksums. Throws
    /// <see cref="IOException"/> when the SDK cannot be set up (no region for Amazon S3).
    /// </summary>
    public static AmazonS3Client Create(S3Location location, S3BlobStoreOptions options)
    {
        var config = new AmazonS3Config
        {
            // Polly retries; the SDK's own retries would hide the attempt count and stretch the time bound.
            MaxErrorRetry = 0,
            ThrottleRetries = false,
            // Longer than the per-attempt timeout, which is the one meant to fire.
            Timeout = options.AttemptTimeout + TimeSpan.FromSeconds(5),
            // Checksums are sent as Content-MD5; the default CRC32 trailer needs aws-chunked framing.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var region = Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } r ? r
            : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d : null;
        if (location.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        try
        {
            return options.Credentials is { } credentials ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
        }
        catch (AmazonClientException e)
        {
            throw new IOException(
                $"cannot open {location}: {e.Message} (set AWS_REGION, or give the endpoint: s3:https://host/bucket/prefix)", e);
        }
    }
}
