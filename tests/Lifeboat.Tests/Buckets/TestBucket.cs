using Amazon.S3;
using Amazon.S3.Model;
using Lifeboat.Storage.S3;
using S3Location = Lifeboat.Storage.S3.S3Location;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Buckets;

/// <summary>A fresh bucket on the test s3rver, written and read back through the SDK as a user's application would.</summary>
internal sealed class TestBucket : IDisposable
{
    private readonly AmazonS3Client _client;

    private TestBucket(S3rverFixture server, string name)
    {
        Server = server;
        Name = name;
        _client = S3Clients.Create(S3Location.Parse(Location()), S3rverFixture.FastRetries);
    }

    public S3rverFixture Server { get; }
    public string Name { get; }

    /// <summary>Creates a bucket with a fresh name.</summary>
    public static async Task<TestBucket> CreateAsync(S3rverFixture server, string kind)
    {
        var bucket = new TestBucket(server, $"{kind}-{Guid.NewGuid():N}"[..30]);
        await bucket._client.PutBucketAsync(new PutBucketRequest { BucketName = bucket.Name });
        return bucket;
    }

    /// <summary>The bucket's <c>s3:</c> URL, with an optional prefix.</summary>
    public string Location(string prefix = "") =>
        $"s3:{Server.Endpoint.GetLeftPart(UriPartial.Authority)}/{Name}" + (prefix.Length == 0 ? "" : "/" + prefix);

    public S3Location Parse(string prefix = "") => S3Location.Parse(Location(prefix));

    public async Task PutAsync(string key, byte[] content, string? contentType = null, IReadOnlyDictionary<string, string>? metadata = null,
        string? cacheControl = null)
    {
        var request = new PutObjectRequest
        {
            BucketName = Name, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false,
            ContentType = contentType, DisablePayloadSigning = false,
        };
        request.Headers.CacheControl = cacheControl;
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(name, value);
        }
        try
        {
            await _client.PutObjectAsync(request);
        }
        catch (AmazonS3Exception e)
        {
            throw new InvalidOperationException($"s3rver refused PUT {key}: {e.Message}", e);
        }
    }

    /// <summary>Every object's key, bytes, content type and user metadata (names without the x-amz-meta- prefix).</summary>
    public async Task<SortedDictionary<string, StoredObject>> ReadAllAsync(string prefix = "")
    {
        var objects = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name, Prefix = prefix, ContinuationToken = token });
            foreach (var entry in page.S3Objects ?? [])
            {
                using var response = await _client.GetObjectAsync(Name, entry.Key);
                var bytes = new MemoryStream();
                await response.ResponseStream.CopyToAsync(bytes);
                var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var name in response.Metadata.Keys)
                {
                    metadata[name.Replace("x-amz-meta-", "", StringComparison.OrdinalIgnoreCase)] = response.Metadata[name];
                }
                objects[entry.Key[prefix.Length..]] = new StoredObject(bytes.ToArray(), response.Headers.ContentType, metadata, response.Headers.CacheControl);
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return objects;
    }

    /// <summary>Deletes every object and then the bucket itself, as a lost bucket (or region) leaves nothing behind.</summary>
    public async Task DeleteBucketAsync()
    {
        foreach (var key in (await ReadAllAsync()).Keys)
        {
            await _client.DeleteObjectAsync(Name, key);
        }
        await _client.DeleteBucketAsync(Name);
    }

    /// <summary>Whether the bucket exists.</summary>
    public async Task<bool> ExistsAsync()
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name, MaxKeys = 1 });
            return true;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
