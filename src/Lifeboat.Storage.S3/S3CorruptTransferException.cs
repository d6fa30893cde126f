namespace Lifeboat.Storage.S3;

/// <summary>A download whose bytes do not match the object's ETag or length: retried, since the stored object may be fine.</summary>
internal sealed class S3CorruptTransferException(string message) : IOException(message);
