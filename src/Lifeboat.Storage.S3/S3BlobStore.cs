using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Lifeboat.Storage.S3;

/// <summary>
/// A blob store in an S3 bucket (Amazon S3 or an S3-compatible server), with each object at
/// <c>&lt;prefix&gt;/&lt;BlobName.RelativePath&gt;</c>.
/// <para>
/// A put is one PUT request (packs are at most a few MiB), which S3 applies atomically. It carries the MD5 of the bytes
/// (<c>Content-MD5</c>, which S3 verifies), is sent without aws-chunked framing, and is then verified: the ETag S3
/// returns must be the hex MD5 of the bytes sent, or the put fails with <see cref="S3StoredObjectMismatchException"/>
/// (and the bad object is deleted, so no later put can mistake it for a good copy).
/// </para>
/// <para>
/// Objects are never overwritten: the key is checked with HEAD first, and the PUT carries <c>If-None-Match: *</c>,
/// which Amazon S3 enforces atomically. Servers that ignore that header (s3rver does) leave only the HEAD check,
/// which two writers in different processes could both pass; puts of one name within this process are serialized,
/// so the HEAD check is exact here.
/// </para>
/// <para>
/// Every request is retried on transient failures as <see cref="S3BlobStoreOptions"/> says, and fails with an
/// <see cref="IOException"/> naming the request once the budget is spent. Listings page through every continuation
/// token and throw if any page fails. Safe for concurrent use; dispose to release the HTTP connections.
/// </para>
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int PutStripes = 256;

    private readonly AmazonS3Client client;
    private readonly S3Location location;
    private readonly S3RequestRunner runner;
    private readonly S3BlobStoreOptions options;
    private readonly SemaphoreSlim[] putLocks = Enumerable.Range(0, PutStripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Opens the store at <paramref name="location"/>; nothing is sent until the first call.</summary>
    /// <exception cref="IOException">No region is configured for Amazon S3, or the SDK cannot be set up.</exception>
    public S3BlobStore(S3Location location, S3BlobStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= S3BlobStoreOptions.Default;
        options.Validate();
        this.options = options;
        this.location = location;
        runner = new S3RequestRunner(options, location.ToString());

        client = S3Clients.Create(location, options);
    }

    /// <inheritdoc />
    public string Location => location.ToString();

    /// <summary>Whether the repository's config object exists. Throws <see cref="IOException"/> when that cannot be known.</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken) =>
        await TryGetMetadataAsync(new BlobName(BlobKind.Config, "config"), cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public bool PrefersWholeObjects => true;

    /// <inheritdoc />
    public async Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        var md5 = MD5.HashData(data.Span);
        var md5Hex = Convert.ToHexStringLower(md5);
        var putLock = putLocks[(uint)StringComparer.Ordinal.GetHashCode(key) % PutStripes];
        await putLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await TryGetMetadataAsync(name, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new BlobExistsException(name);
            }

            if (data.Length > options.MultipartThreshold)
            {
                await PutMultipartAsync(name, key, data, cancellationToken).ConfigureAwait(false);
                return;
            }
            var etag = await runner.RunAsync($"PUT {key}", null, async (attempt, ct) =>
            {
                var request = new PutObjectRequest
                {
                    BucketName = location.Bucket,
                    Key = key,
                    InputStream = StreamOf(data),
                    AutoCloseStream = true,
                    // s3rver stores aws-chunked framing as object bytes; a plain body with Content-Length is stored as sent.
                    UseChunkEncoding = false,
                    MD5Digest = Convert.ToBase64String(md5),
                    ContentType = "application/octet-stream",
                    // Enforced atomically by Amazon S3; ignored by s3rver, where the HEAD check above is the guard.
                    IfNoneMatch = "*",
                };
                try
                {
                    var response = await client.PutObjectAsync(request, ct).ConfigureAwait(false);
                    return response.ETag;
                }
                catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
                {
                    // On a retry, the object may be our own earlier attempt whose response was lost.
                    if (attempt > 1 && await TryGetMetadataAsync(name, ct).ConfigureAwait(false) is { } existing
                        && Unquote(existing.ETag) == md5Hex && existing.ContentLength == data.Length)
                    {
                        return existing.ETag;
                    }
                    throw new BlobExistsException(name);
                }
            }, cancellationToken).ConfigureAwait(false);

            if (Unquote(etag) != md5Hex)
            {
                await DeleteMismatchedAsync(name, cancellationToken).ConfigureAwait(false);
                throw new S3StoredObjectMismatchException(
                    $"stored object differs from what was sent: S3 stored {key} in {Location} with ETag {etag ?? "(none)"}, "
                    + $"but the {data.Length} bytes sent have MD5 {md5Hex}; the object was deleted and the put failed");
            }
        }
        finally
        {
            putLock.Release();
        }
    }

    // Large objects go up in parts, each with its MD5 checked by the server and its ETag checked here; the completed
    // object's ETag must be the multipart form (MD5 of the parts' MD5s, "-", part count) or the whole object's MD5. Any failure aborts the
    // upload, so no partial object is ever visible.
    private async Task PutMultipartAsync(BlobName name, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var uploadId = await runner.RunAsync($"INITIATE {key}", null, async (_, ct) =>
            (await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = location.Bucket, Key = key, ContentType = "application/octet-stream",
            }, ct).ConfigureAwait(false)).UploadId, cancellationToken).ConfigureAwait(false);
        try
        {
            var parts = new List<PartETag>();
            var partHashes = new List<byte[]>();
            for (var offset = 0; offset < data.Length; offset += options.PartSize)
            {
                var part = data.Slice(offset, Math.Min(options.PartSize, data.Length - offset));
                var number = parts.Count + 1;
                var md5 = MD5.HashData(part.Span);
                var etag = await runner.RunAsync($"PUT {key} part {number}", null, async (_, ct) =>
                    (await client.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = location.Bucket, Key = key, UploadId = uploadId, PartNumber = number,
                        InputStream = StreamOf(part), PartSize = part.Length, MD5Digest = Convert.ToBase64String(md5),
                        UseChunkEncoding = false,
                    }, ct).ConfigureAwait(false)).ETag, cancellationToken).ConfigureAwait(false);
                if (Unquote(etag) != Convert.ToHexStringLower(md5))
                {
                    throw new S3StoredObjectMismatchException($"stored part {number} of {key} differs from what was sent (ETag {etag})");
                }
                parts.Add(new PartETag(number, etag));
                partHashes.Add(md5);
            }
            var expected = $"{Convert.ToHexStringLower(MD5.HashData([.. partHashes.SelectMany(h => h)]))}-{parts.Count}";
            var final = await runner.RunAsync($"COMPLETE {key}", null, async (attempt, ct) =>
            {
                try
                {
                    return (await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = location.Bucket, Key = key, UploadId = uploadId, PartETags = parts,
                    }, ct).ConfigureAwait(false)).ETag;
                }
                catch (AmazonS3Exception) when (attempt > 1)
                {
                    // An earlier attempt may have completed the upload and only its answer was lost: the upload ID is gone
                    // then, and the object exists. It can only be ours (the put refused an existing key before starting);
                    // its ETag is checked below like any completion's.
                    if (await StoredETagAsync(key, data.Length, ct).ConfigureAwait(false) is { } stored)
                    {
                        return stored;
                    }
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            // Amazon S3 reports the multipart form; some compatible servers (s3rver among them) the MD5 of the whole object.
            if (Unquote(final) != expected && Unquote(final) != Convert.ToHexStringLower(MD5.HashData(data.Span)))
            {
                await DeleteMismatchedAsync(name, cancellationToken).ConfigureAwait(false);
                throw new S3StoredObjectMismatchException($"stored object {key} has ETag {final}, not {expected} for the parts sent; it was deleted");
            }
        }
        catch
        {
            try
            {
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = location.Bucket, Key = key, UploadId = uploadId },
                    CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonServiceException)
            {
                // The upload failed already and that failure is what the caller sees; an unaborted upload stores nothing
                // visible, and bucket lifecycle rules expire it.
            }
            throw;
        }
    }

    // The ETag of the object at key when it exists with the given length; null when it does not exist (or differs in length).
    private async Task<string?> StoredETagAsync(string key, long length, CancellationToken cancellationToken)
    {
        try
        {
            var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = location.Bucket, Key = key }, cancellationToken)
                .ConfigureAwait(false);
            return head.ContentLength == length ? head.ETag : null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        return runner.RunAsync($"GET {key}", name, async (_, ct) =>
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = location.Bucket, Key = key }, ct)
                .ConfigureAwait(false);
            var length = response.ContentLength;
            if (length > Array.MaxLength)
            {
                throw new IOException($"object {name} is {length} bytes, too large to read whole");
            }
            var data = GC.AllocateUninitializedArray<byte>((int)length);
            var read = await ReadFullyAsync(response.ResponseStream, data, ct).ConfigureAwait(false);
            if (read != length || response.ResponseStream.ReadByte() != -1)
            {
                throw new S3CorruptTransferException($"GET {key} returned a body of another length than its Content-Length {length}");
            }
            // A single-part object's ETag is its MD5: a damaged download is caught here and fetched again.
            var etag = Unquote(response.ETag);
            if (etag is { Length: 32 } && etag != Convert.ToHexStringLower(MD5.HashData(data)))
            {
                throw new S3CorruptTransferException($"GET {key} returned bytes whose MD5 is not the object's ETag {etag}");
            }
            return data;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="EndOfStreamException">The object ends before the requested range does.</exception>
    public async Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var key = KeyOf(name);
        if (destination.Length == 0)
        {
            var size = await GetSizeAsync(name, cancellationToken).ConfigureAwait(false);
            if (offset > size)
            {
                throw new EndOfStreamException($"object {name} is {size} bytes; cannot read at offset {offset}");
            }
            return;
        }

        var last = offset + destination.Length - 1;
        await runner.RunAsync($"GET {key} bytes {offset}-{last}", name, async (_, ct) =>
        {
            GetObjectResponse response;
            try
            {
                response = await client.GetObjectAsync(
                    new GetObjectRequest { BucketName = location.Bucket, Key = key, ByteRange = new ByteRange(offset, last) }, ct)
                    .ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                throw new EndOfStreamException($"object {name} ends before offset {offset}; cannot read {destination.Length} bytes there");
            }
            using (response)
            {
                // A server that ignores Range answers 200 with the whole object: only usable when the range starts at 0.
                var rangeStart = response.HttpStatusCode == HttpStatusCode.PartialContent ? ContentRangeStart(response.ContentRange) : 0;
                if (rangeStart != offset)
                {
                    throw new IOException($"GET {key} asked for bytes from {offset} but S3 answered from {rangeStart?.ToString() ?? "an unknown offset"}");
                }
                var read = await ReadFullyAsync(response.ResponseStream, destination, ct).ConfigureAwait(false);
                if (read < destination.Length)
                {
                    if (response.HttpStatusCode == HttpStatusCode.PartialContent && response.ContentLength != read)
                    {
                        throw new S3CorruptTransferException($"GET {key} ended after {read} of {response.ContentLength} bytes");
                    }
                    throw new EndOfStreamException(
                        $"object {name} is shorter than {offset + destination.Length} bytes; cannot read {destination.Length} bytes at offset {offset}");
                }
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken) =>
        (await TryGetMetadataAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new BlobNotFoundException(name)).ContentLength;

    /// <inheritdoc />
    /// <remarks>Keys under the kind's prefix that could not be an object of the kind (a pack outside its fan-out folder,
    /// a nested key) are skipped.</remarks>
    public async IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (kind == BlobKind.Config)
        {
            var config = new BlobName(BlobKind.Config, "config");
            if (await TryGetMetadataAsync(config, cancellationToken).ConfigureAwait(false) is { } metadata)
            {
                yield return new BlobInfo(config, metadata.ContentLength);
            }
            yield break;
        }

        var prefix = location.KeyOf(BlobName.FolderOf(kind) + "/");
        string? token = null;
        var page = 0;
        do
        {
            page++;
            var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = prefix, ContinuationToken = token, MaxKeys = 1000 };
            var response = await runner.RunAsync($"LIST {prefix} (page {page})", null,
                (_, ct) => client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            foreach (var entry in response.S3Objects ?? [])
            {
                if (NameOf(kind, entry.Key[prefix.Length..]) is { } name)
                {
                    yield return new BlobInfo(new BlobName(kind, name),
                        entry.Size ?? throw new IOException($"S3 listed {entry.Key} in {Location} without a size"));
                }
            }
            token = response.IsTruncated == true ? response.NextContinuationToken : null;
            if (response.IsTruncated == true && string.IsNullOrEmpty(token))
            {
                throw new IOException($"S3 listing of {prefix} in {Location} was cut after page {page} without a continuation token");
            }
        }
        while (token is not null);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(BlobName name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        try
        {
            await runner.RunAsync($"DELETE {key}", name,
                (_, ct) => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = location.Bucket, Key = key }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            // S3 answers 204 for a missing key; some servers say 404. Either way the object is gone.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        client.Dispose();
        foreach (var putLock in putLocks)
        {
            putLock.Dispose();
        }
    }

    private async Task<GetObjectMetadataResponse?> TryGetMetadataAsync(BlobName name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        try
        {
            return await runner.RunAsync($"HEAD {key}", name,
                (_, ct) => client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = location.Bucket, Key = key }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    private async Task DeleteMismatchedAsync(BlobName name, CancellationToken cancellationToken)
    {
        try
        {
            await DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The mismatch is the error the caller must see. A bad object left behind fails check --read-data
            // (its SHA-256 is not its name), and is named in the message above.
        }
    }

    private string KeyOf(BlobName name)
    {
        if (name.Kind != BlobKind.Config)
        {
            var n = name.Name;
            if (string.IsNullOrEmpty(n) || n is "." or ".." || n.AsSpan().IndexOfAny('/', '\\', '\0') >= 0 || (name.Kind == BlobKind.Pack && n.Length < 2))
            {
                throw new ArgumentException($"'{n}' is not a valid {name.Kind} name", nameof(name));
            }
        }
        return location.KeyOf(name.RelativePath);
    }

    // The layout of BlobName.RelativePath in reverse: "<name>" for most kinds, "<2 chars>/<name starting with them>" for packs.
    private static string? NameOf(BlobKind kind, string rest)
    {
        if (kind != BlobKind.Pack)
        {
            return rest.Length > 0 && !rest.Contains('/') ? rest : null;
        }
        var slash = rest.IndexOf('/');
        if (slash != 2 || rest.IndexOf('/', slash + 1) >= 0)
        {
            return null;
        }
        var name = rest[3..];
        return name.Length >= 2 && name.StartsWith(rest[..2], StringComparison.Ordinal) ? name : null;
    }

    private static Stream StreamOf(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static async Task<int> ReadFullyAsync(Stream stream, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = await stream.ReadAsync(destination[done..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            done += read;
        }
        return done;
    }

    private static long? ContentRangeStart(string? contentRange)
    {
        // "bytes 100-199/1000"
        if (contentRange is null || !contentRange.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var dash = contentRange.IndexOf('-', 6);
        return dash > 6 && long.TryParse(contentRange.AsSpan(6, dash - 6), out var start) ? start : null;
    }

    private static string? Unquote(string? etag) => etag?.Trim('"').ToLowerInvariant();
}
