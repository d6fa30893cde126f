namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// What a bucket restore did: objects in the snapshot, written (verified), and left as they were because identical;
/// <paramref name="CreatedBucket"/> when the target bucket did not exist and was created.
/// </summary>
public sealed record BucketRestoreResult(int Objects, long Bytes, int Written, int Identical, bool CreatedBucket = false);
