using Amazon.Runtime;

namespace Lifeboat.Storage.S3;

/// <summary>
/// How an <see cref="S3BlobStore"/> talks to S3: the retry budget, the backoff and the per-request timeout.
/// Validated once, by <see cref="Validate"/>, when a store is constructed.
/// </summary>
public sealed record S3BlobStoreOptions
{
    /// <summary>The defaults: 8 attempts, 0.2 s first backoff, at most 15 s between attempts, 120 s per attempt.</summary>
    public static S3BlobStoreOptions Default { get; } = new();

    /// <summary>How many times one request is tried before the store gives up (at least 1).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The backoff before the second attempt; it doubles for each later one (with jitter).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long one attempt may take, from sending the request to reading the whole response (an 8 MiB pack over a
    /// slow link must fit). An attempt that takes longer is abandoned and retried.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Objects larger than this are uploaded in parts (default 64 MiB).</summary>
    public int MultipartThreshold { get; init; } = 64 * 1024 * 1024;

    /// <summary>The size of each part of a multipart upload (default 16 MiB; S3 requires at least 5 MiB).</summary>
    public int PartSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Credentials to use instead of the SDK's default chain (environment variables <c>AWS_ACCESS_KEY_ID</c>/
    /// <c>AWS_SECRET_ACCESS_KEY</c>/<c>AWS_SESSION_TOKEN</c>, <c>AWS_PROFILE</c> and the shared credentials file, instance
    /// roles). Null, the default, uses that chain.
    /// </summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"{nameof(MaxAttempts)} must be at least 1, not {MaxAttempts}");
        }
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"{nameof(BaseDelay)} must be non-negative and at most {nameof(MaxDelay)}");
        }
        if (AttemptTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(AttemptTimeout)} must be positive");
        }
    }
}
