using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// Uploads objects of a bucket snapshot. An object up to the multipart threshold is read from the repository whole
/// (verified) and sent in one PUT carrying its MD5, which the server checks; a larger one is streamed in parts, each
/// carrying its MD5, and completed only once the whole content has verified. The ETag the server returns must match
/// what was sent, and the content's MD5 the ETag recorded at backup when that is a plain MD5; a stored object that
/// does not match is deleted and the upload fails. Without overwrite, puts carry If-None-Match so a concurrent writer's
/// object is not replaced (on servers that honour it).
/// </summary>
internal sealed class ObjectUploader(BucketConnection bucket, SnapshotFileReader reader, Snapshot snapshot, bool overwrite)
{
    private const int AttemptsPerObject = 3;

    /// <summary>
    /// Uploads <paramref name="entry"/> to <paramref name="key"/>; an object stored other than sent (bytes damaged on
    /// the way, on a server that does not check Content-MD5) is deleted and sent again, at most three times in all.
    /// </summary>
    public async Task UploadAsync(BucketObject entry, string key, CancellationToken cancellationToken)
    {
        var node = await BucketRestorer.FindAsync(reader, snapshot, entry, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await UploadAsync(entry, node, key, cancellationToken);
                return;
            }
            catch (S3StoredObjectMismatchException) when (attempt < AttemptsPerObject)
            {
            }
        }
    }

    private async Task UploadAsync(BucketObject entry, TreeNode node, string key, CancellationToken cancellationToken)
    {
        if (entry.Size > bucket.Options.MultipartThreshold)
        {
            await UploadPartsAsync(entry, node, key, cancellationToken);
            return;
        }
        var data = new MemoryStream((int)entry.Size);
        await reader.CopyToAsync(node, data, cancellationToken);
        var bytes = data.GetBuffer().AsMemory(0, (int)data.Length);
        var md5 = MD5.HashData(bytes.Span);
        var md5Hex = Convert.ToHexStringLower(md5);
        CheckRecorded(entry, md5Hex);
        var etag = await bucket.Runner.RunAsync($"PUT {key}", null, async (attempt, ct) =>
        {
            var request = new PutObjectRequest
            {
                BucketName = bucket.Location.Bucket,
                Key = key,
                InputStream = new MemoryStream(data.GetBuffer(), 0, (int)data.Length, writable: false),
                AutoCloseStream = true,
                // s3rver stores aws-chunked framing as object bytes; a plain body with Content-Length is stored as sent.
                UseChunkEncoding = false,
                MD5Digest = Convert.ToBase64String(md5),
                IfNoneMatch = overwrite ? null : "*",
            };
            Describe(request.Headers, request.Metadata, entry);
            try
            {
                var response = await bucket.Client.PutObjectAsync(request, ct);
                return BucketObject.IsKms(response.ServerSideEncryptionMethod?.Value) ? null : response.ETag;
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                // On a retry, the object may be this upload's earlier attempt whose response was lost.
                if (attempt > 1 && await bucket.HeadAsync(key, ct) is { } there && BucketConnection.Unquote(there.ETag) == md5Hex)
                {
                    return BucketObject.IsKms(there.ServerSideEncryptionMethod?.Value) ? null : there.ETag;
                }
                throw new IOException($"{key} appeared in {bucket.Location} during the restore; it was not replaced", e);
            }
        }, cancellationToken);
        await CheckStoredAsync(key, etag, md5Hex, null, cancellationToken);
    }

    private async Task UploadPartsAsync(BucketObject entry, TreeNode node, string key, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = bucket.Location.Bucket, Key = key };
        Describe(initiate.Headers, initiate.Metadata, entry);
        var uploadId = await bucket.Runner.RunAsync($"INITIATE {key}", null,
            async (_, ct) => (await bucket.Client.InitiateMultipartUploadAsync(initiate, ct)).UploadId, cancellationToken);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: bucket.Options.PartSize, resumeWriterThreshold: bucket.Options.PartSize / 2));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var produce = ProduceAsync(node, pipe.Writer, cancel.Token);
        try
        {
            var parts = new List<PartETag>();
            var partHashes = new List<byte>();
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var buffer = new byte[bucket.Options.PartSize];
            await using var content = pipe.Reader.AsStream();
            int filled;
            while ((filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                var number = parts.Count + 1;
                var md5 = MD5.HashData(buffer.AsSpan(0, filled));
                whole.AppendData(buffer.AsSpan(0, filled));
                var part = await bucket.Runner.RunAsync($"PUT {key} part {number}", null, async (_, ct) =>
                    await bucket.Client.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = bucket.Location.Bucket, Key = key, UploadId = uploadId, PartNumber = number,
                        InputStream = new MemoryStream(buffer, 0, filled, writable: false), PartSize = filled,
                        MD5Digest = Convert.ToBase64String(md5), UseChunkEncoding = false,
                    }, ct), cancellationToken);
                var etag = part.ETag;
                if (!BucketObject.IsKms(part.ServerSideEncryptionMethod?.Value) && BucketConnection.Unquote(etag) != Convert.ToHexStringLower(md5))
                {
                    throw new S3StoredObjectMismatchException($"stored part {number} of {key} in {bucket.Location} differs from what was sent (ETag {etag})");
                }
                parts.Add(new PartETag(number, etag));
                partHashes.AddRange(md5);
            }
            // The content hash is checked when the producer ends: only verified content is completed.
            await produce;
            var md5Hex = Convert.ToHexStringLower(whole.GetHashAndReset());
            CheckRecorded(entry, md5Hex);
            var multipart = $"{Convert.ToHexStringLower(MD5.HashData([.. partHashes]))}-{parts.Count}";
            var final = await bucket.Runner.RunAsync($"COMPLETE {key}", null, async (attempt, ct) =>
            {
                try
                {
                    var response = await bucket.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = bucket.Location.Bucket, Key = key, UploadId = uploadId, PartETags = parts,
                    }, ct);
                    return BucketObject.IsKms(response.ServerSideEncryptionMethod?.Value) ? null : response.ETag;
                }
                catch (AmazonS3Exception) when (attempt > 1)
                {
                    // An earlier attempt may have completed the upload and its answer been lost; the upload ID is gone then.
                    if (await CompletedAsync(key, entry.Size, md5Hex, multipart, ct) is { } etag)
                    {
                        return etag;
                    }
                    throw;
                }
            }, cancellationToken);
            await CheckStoredAsync(key, final, md5Hex, multipart, cancellationToken);
        }
        catch
        {
            await cancel.CancelAsync();
            await pipe.Reader.CompleteAsync();
            try
            {
                await produce;
            }
            catch (Exception)
            {
                // The upload's own failure is the one to report.
            }
            try
            {
                await bucket.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket.Location.Bucket, Key = key, UploadId = uploadId },
                    CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
                // An unaborted upload stores nothing visible, and bucket lifecycle rules expire it.
            }
            throw;
        }
    }

    /// <summary>The ETag of <paramref name="key"/> when it holds what this upload sent, else null.</summary>
    private async Task<string?> CompletedAsync(string key, long size, string md5Hex, string multipart, CancellationToken cancellationToken)
    {
        var there = await bucket.HeadAsync(key, cancellationToken);
        var etag = BucketConnection.Unquote(there?.ETag);
        return there is not null && there.ContentLength == size && (etag == md5Hex || etag == multipart) ? there.ETag : null;
    }

    private async Task ProduceAsync(TreeNode node, PipeWriter writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await reader.CopyToAsync(node, writer.AsStream(leaveOpen: true), cancellationToken);
            await writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e);
            throw;
        }
    }

    private static void CheckRecorded(BucketObject entry, string md5Hex)
    {
        if (entry.HasMd5ETag && md5Hex != entry.ETag)
        {
            throw new CorruptObjectException($"the content restored for {entry.Key} has MD5 {md5Hex}, not the ETag {entry.ETag} it had when backed up");
        }
    }

    // A single PUT's ETag is the MD5 of the bytes; a multipart one's is the MD5 of the parts' MD5s with the part count
    // (some compatible servers, s3rver among them, give the whole object's MD5 instead). Under KMS encryption the ETag is
    // no MD5 (null here): the Content-MD5 the server checked is then the only proof.
    private async Task CheckStoredAsync(string key, string? etag, string md5Hex, string? multipart, CancellationToken cancellationToken)
    {
        var stored = BucketConnection.Unquote(etag);
        if (etag is null || stored == md5Hex || stored == multipart)
        {
            return;
        }
        try
        {
            await bucket.DeleteAsync(key, cancellationToken);
        }
        catch (IOException)
        {
            // The mismatch below is the error to report; the bad object is named in it.
        }
        throw new S3StoredObjectMismatchException($"stored object {key} in {bucket.Location} has ETag {etag}, not the MD5 {md5Hex} of what was sent; it was deleted");
    }

    private static void Describe(HeadersCollection headers, MetadataCollection metadata, BucketObject entry)
    {
        headers.ContentType = entry.ContentType ?? "binary/octet-stream";
        headers.CacheControl = entry.CacheControl;
        headers.ContentEncoding = entry.ContentEncoding;
        headers.ContentDisposition = entry.ContentDisposition;
        foreach (var (name, value) in entry.Metadata ?? new Dictionary<string, string>())
        {
            metadata.Add(name, value);
        }
    }
}
