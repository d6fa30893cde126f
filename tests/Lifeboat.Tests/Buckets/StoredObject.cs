namespace Lifeboat.Tests.Buckets;

/// <summary>An object as read back from a test bucket: its bytes, content type, user metadata and Cache-Control.</summary>
internal sealed record StoredObject(byte[] Content, string? ContentType, SortedDictionary<string, string> Metadata, string? CacheControl);
