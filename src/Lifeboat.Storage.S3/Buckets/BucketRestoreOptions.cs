namespace Lifeboat.Storage.S3.Buckets;

/// <summary>How a bucket snapshot is restored.</summary>
public sealed record BucketRestoreOptions
{
    /// <summary>Replace existing objects (or files) that differ; without it, any such conflict fails the restore before anything is written.</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Create the target bucket when it does not exist (the default: after the loss of a bucket or its region there is
    /// nothing in it to overwrite); false makes a missing bucket fail the restore, writing nothing.
    /// </summary>
    public bool CreateBucket { get; init; } = true;

    /// <summary>Objects restored at once.</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>Retries, timeouts, credentials and the multipart threshold and part size for uploads.</summary>
    public S3BlobStoreOptions S3 { get; init; } = S3BlobStoreOptions.Default;
}
