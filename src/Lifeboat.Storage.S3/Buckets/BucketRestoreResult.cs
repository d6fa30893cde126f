namespace Lifeboat.Storage.S3.Buckets;

/// <summary>What a bucket restore did: objects in the snapshot, written (verified), and left as they were because identical.</summary>
public sealed record BucketRestoreResult(int Objects, long Bytes, int Written, int Identical);
