using System.Text.Json.Serialization;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// One object of a bucket backup, as one line of the snapshot's <c>objects.jsonl</c>: its key, where its content is
/// in the snapshot's tree, and the metadata a restore puts back. Optional fields are left out when the object has none.
/// </summary>
public sealed record BucketObject
{
    /// <summary>The object's full key in the bucket it was backed up from.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }
    /// <summary>The file holding its content, relative to the snapshot's root (<c>objects/…</c> or <c>unmapped/…</c>).</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }
    /// <summary>Size in bytes.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }
    /// <summary>The ETag without quotes: the MD5 of the bytes for a single-part upload, "MD5-PARTS" for a multipart one.</summary>
    [JsonPropertyName("etag")] public required string ETag { get; init; }
    /// <summary>When the object was last written, as the server reported it.</summary>
    [JsonPropertyName("lastModified")] public DateTimeOffset LastModified { get; init; }
    /// <summary>Content-Type.</summary>
    [JsonPropertyName("contentType")] public string? ContentType { get; init; }
    /// <summary>Cache-Control.</summary>
    [JsonPropertyName("cacheControl")] public string? CacheControl { get; init; }
    /// <summary>Content-Encoding.</summary>
    [JsonPropertyName("contentEncoding")] public string? ContentEncoding { get; init; }
    /// <summary>Content-Disposition.</summary>
    [JsonPropertyName("contentDisposition")] public string? ContentDisposition { get; init; }
    /// <summary>The server-side encryption the object had (x-amz-server-side-encryption: "AES256", "aws:kms", ...).</summary>
    [JsonPropertyName("serverSideEncryption")] public string? ServerSideEncryption { get; init; }
    /// <summary>User metadata (x-amz-meta-*), names without the prefix, lower case, sorted.</summary>
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Whether <see cref="ETag"/> is the plain MD5 of the content (a single-part upload), which can be checked.</summary>
    [JsonIgnore] public bool HasMd5ETag => IsMd5ETag(ETag, ServerSideEncryption);

    /// <summary>
    /// Whether an ETag is the MD5 of the object's bytes: 32 hex digits (not the multipart form), and no KMS encryption
    /// (whose ETags are not MD5s).
    /// </summary>
    public static bool IsMd5ETag(string etag, string? serverSideEncryption) =>
        etag.Length == 32 && etag.All(char.IsAsciiHexDigitLower) && !IsKms(serverSideEncryption);

    /// <summary>Whether the encryption is KMS ("aws:kms", "aws:kms:dsse"), under which ETags are not MD5s of the bytes.</summary>
    public static bool IsKms(string? serverSideEncryption) => serverSideEncryption?.StartsWith("aws:kms", StringComparison.Ordinal) == true;
}
