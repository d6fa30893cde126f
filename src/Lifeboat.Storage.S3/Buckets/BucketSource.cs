using System.Globalization;
using Amazon.S3.Model;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Sources;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// An S3 bucket, or the objects under a key prefix, as a source. Each object's content becomes a file of the snapshot
/// (see <see cref="BucketPaths"/>) and its key, ETag, size, last-modified time, content type and user metadata a line of
/// <see cref="BucketManifest"/>. Incremental: an object whose key, size and ETag match the parent snapshot's is not
/// downloaded, its stored content is reused (and its metadata too, unless its last-modified time changed, which costs
/// one HEAD). Up to <c>parallelism</c> objects download at once, each streamed and checked against its ETag when that
/// is a plain MD5. An object deleted while the backup runs is left out; any other failure fails the backup.
/// </summary>
public sealed class BucketSource(S3Location location, S3BlobStoreOptions? options = null, int parallelism = 8) : ISource
{
    private const int AttemptsPerObject = 3;

    private long _downloaded, _downloadedBytes, _reused;

    /// <inheritdoc/>
    public string Kind => "bucket";

    /// <summary>Objects downloaded by the last run (the rest were reused from the parent snapshot).</summary>
    public long Downloaded => Interlocked.Read(ref _downloaded);

    /// <summary>Bytes downloaded by the last run.</summary>
    public long DownloadedBytes => Interlocked.Read(ref _downloadedBytes);

    /// <summary>Objects whose content the last run reused from the parent snapshot.</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => [location.ToString()];

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        (_downloaded, _downloadedBytes, _reused) = (0, 0, 0);
        using var bucket = new BucketConnection(location, options ?? S3BlobStoreOptions.Default);
        var parent = await sink.FindParentAsync(cancellationToken);
        var previous = parent is null ? [] : await ReadParentAsync(parent, cancellationToken);
        var paths = new BucketPaths();
        var objects = new List<BucketObject>();
        var window = new Queue<(string Key, string Path, ObjectDownload Download)>();
        var vanished = 0;
        try
        {
            await foreach (var listed in bucket.ListAsync(cancellationToken))
            {
                var key = listed.Key;
                var path = paths.PathOf(key, key[bucket.KeyPrefix.Length..]);
                if (parent is not null && previous.TryGetValue(key, out var before) && await TryReuseAsync(sink, bucket, parent, before, listed, path, cancellationToken) is { } reused)
                {
                    objects.Add(reused);
                    _reused++;
                    continue;
                }
                if (window.Count >= parallelism)
                {
                    vanished += await StoreNextAsync(sink, bucket, window, objects, cancellationToken) ? 0 : 1;
                }
                window.Enqueue((key, path, ObjectDownload.Start(bucket, key, cancellationToken)));
            }
            while (window.Count > 0)
            {
                vanished += await StoreNextAsync(sink, bucket, window, objects, cancellationToken) ? 0 : 1;
            }
        }
        finally
        {
            foreach (var (_, _, download) in window)
            {
                await download.DisposeAsync();
            }
        }
        if (objects.Count == 0)
        {
            throw new IOException($"found no objects in {location}; check the bucket and prefix (an empty backup is refused)");
        }
        await using (var manifest = await BucketManifest.WriteAsync(objects, cancellationToken))
        {
            await sink.AddAsync(BucketManifest.FileName, manifest, cancellationToken);
        }
        return new Dictionary<string, string>
        {
            ["endpoint"] = location.Endpoint?.GetLeftPart(UriPartial.Authority) ?? "",
            ["bucket"] = location.Bucket,
            ["prefix"] = location.Prefix,
            ["manifest"] = BucketManifest.FileName,
            ["objects"] = Invariant(objects.Count),
            ["bytes"] = Invariant(objects.Sum(o => o.Size)),
            ["downloaded"] = Invariant(Downloaded),
            ["reused"] = Invariant(Reused),
            ["unmapped"] = Invariant(paths.Unmapped),
            ["vanished"] = Invariant(vanished),
        };
    }

    // A damaged parent only costs downloads: every object is then fetched again.
    private static async Task<Dictionary<string, BucketObject>> ReadParentAsync(ParentSnapshot parent, CancellationToken cancellationToken)
    {
        try
        {
            return (await BucketManifest.ReadAsync(parent.Files, parent.Snapshot, cancellationToken)).ToDictionary(o => o.Key, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is CorruptObjectException or ArgumentException)
        {
            return [];
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The object's entry when its parent content could be reused, else null (it must be downloaded).</summary>
    private static async Task<BucketObject?> TryReuseAsync(StreamSink sink, BucketConnection bucket, ParentSnapshot parent, BucketObject before,
        S3Object listed, string path, CancellationToken cancellationToken)
    {
        if (before.Size != listed.Size || before.ETag != BucketConnection.Unquote(listed.ETag))
        {
            return null;
        }
        TreeNode? node;
        try
        {
            node = await parent.Files.FindPathAsync(parent.Snapshot, before.Path, cancellationToken);
        }
        catch (CorruptObjectException)
        {
            return null;
        }
        if (node is null || node.Size != before.Size)
        {
            return null;
        }
        var entry = before with { Path = path };
        if (Seconds(listed.LastModified) != before.LastModified)
        {
            // Same bytes, but written again: its metadata may have changed (a copy onto itself with new metadata).
            var head = await bucket.HeadAsync(listed.Key, cancellationToken);
            if (head is null || BucketConnection.Unquote(head.ETag) != before.ETag || head.ContentLength != before.Size)
            {
                return null;
            }
            entry = Describe(listed.Key, path, head.ContentLength, head.ETag, head.LastModified, head.Headers, head.Metadata)
                with { ServerSideEncryption = Blank(head.ServerSideEncryptionMethod?.Value) };
        }
        return sink.TryReuse(path, node, entry.LastModified) is null ? null : entry;
    }

    /// <summary>Stores the oldest download of the window; false when its object was deleted since it was listed.</summary>
    private async Task<bool> StoreNextAsync(StreamSink sink, BucketConnection bucket, Queue<(string Key, string Path, ObjectDownload Download)> window,
        List<BucketObject> objects, CancellationToken cancellationToken)
    {
        var (key, path, download) = window.Dequeue();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var response = await download.Headers;
                    if (response is null)
                    {
                        return false;
                    }
                    var entry = Describe(key, path, response.ContentLength, response.ETag, response.LastModified, response.Headers, response.Metadata)
                        with { ServerSideEncryption = Blank(response.ServerSideEncryptionMethod?.Value) };
                    var stored = await sink.AddAsync(path, download.Content, entry.LastModified, cancellationToken);
                    objects.Add(entry);
                    Interlocked.Increment(ref _downloaded);
                    Interlocked.Add(ref _downloadedBytes, stored.Size);
                    return true;
                }
                catch (IOException) when (attempt < AttemptsPerObject && !cancellationToken.IsCancellationRequested)
                {
                    // The content did not verify or the connection could not be resumed: fetch the object again, whole.
                    await download.DisposeAsync();
                    download = ObjectDownload.Start(bucket, key, cancellationToken);
                }
            }
        }
        finally
        {
            await download.DisposeAsync();
        }
    }

    private static BucketObject Describe(string key, string path, long size, string etag, DateTime? lastModified,
        Amazon.S3.Model.HeadersCollection headers, MetadataCollection metadata)
    {
        var user = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in metadata.Keys)
        {
            var bare = name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name["x-amz-meta-".Length..] : name;
            user[bare.ToLowerInvariant()] = metadata[name];
        }
        return new BucketObject
        {
            Key = key,
            Path = path,
            Size = size,
            ETag = BucketConnection.Unquote(etag),
            LastModified = Seconds(lastModified),
            ContentType = Blank(headers.ContentType),
            CacheControl = Blank(headers.CacheControl),
            ContentEncoding = Blank(headers.ContentEncoding),
            ContentDisposition = Blank(headers.ContentDisposition),
            Metadata = user.Count == 0 ? null : user,
        };
    }

    // Listings give milliseconds, HEAD and GET whole seconds: whole seconds compare equal across both.
    private static DateTimeOffset Seconds(DateTime? time) =>
        time is { } t ? DateTimeOffset.FromUnixTimeSeconds(new DateTimeOffset(t.ToUniversalTime()).ToUnixTimeSeconds()) : DateTimeOffset.UnixEpoch;

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
