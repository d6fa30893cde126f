namespace Lifeboat.Storage.S3;

/// <summary>
/// Thrown when S3 reports that the object it stored is not what was sent (its ETag is not the MD5 of the bytes sent):
/// the put failed, whatever the HTTP status said.
/// </summary>
public sealed class S3StoredObjectMismatchException(string message) : IOException(message);
