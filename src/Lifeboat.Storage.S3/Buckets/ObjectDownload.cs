using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// One object being downloaded in the background into a bounded buffer that <see cref="Content"/> reads: the body is
/// streamed, never held whole. A connection that fails or stalls mid-body is resumed with a ranged GET of the same
/// version (If-Match on its ETag). The bytes are counted against Content-Length and, when the ETag is a plain MD5,
/// hashed against it; a mismatch makes <see cref="Content"/> throw instead of reaching its end, so damaged content is
/// never stored as complete. Dispose to stop it.
/// </summary>
internal sealed class ObjectDownload : IAsyncDisposable
{
    private const int BufferBytes = 4 * 1024 * 1024;
    private const int ReadBytes = 128 * 1024;

    private readonly BucketConnection _bucket;
    private readonly string _key;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: BufferBytes, resumeWriterThreshold: BufferBytes / 2,
        useSynchronizationContext: false));
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource<GetObjectResponse?> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _run;
    private int _disposed;

    private ObjectDownload(BucketConnection bucket, string key, CancellationToken cancellationToken)
    {
        _bucket = bucket;
        _key = key;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Content = new DownloadStream(_pipe.Reader.AsStream());
        _run = Task.Run(RunAsync);
    }

    /// <summary>Starts downloading <paramref name="key"/>.</summary>
    public static ObjectDownload Start(BucketConnection bucket, string key, CancellationToken cancellationToken) => new(bucket, key, cancellationToken);

    /// <summary>
    /// The first response, whose headers describe the version being downloaded; null when the key no longer exists (deleted
    /// since it was listed). Throws <see cref="IOException"/> when the object cannot be fetched.
    /// </summary>
    public Task<GetObjectResponse?> Headers => _headers.Task;

    /// <summary>The object's bytes; reading throws <see cref="IOException"/> when the download fails or does not verify.</summary>
    public Stream Content { get; }

    private async Task RunAsync()
    {
        var writer = _pipe.Writer;
        try
        {
            await CopyAsync(writer, _cancel.Token);
            await writer.CompleteAsync();
        }
        catch (Exception e)
        {
            var failure = e as IOException ?? new IOException($"downloading {_key} from {_bucket.Location} failed: {e.Message}", e);
            _headers.TrySetException(failure);
            await writer.CompleteAsync(failure);
        }
    }

    private async Task CopyAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        var first = await OpenAsync(0, null, cancellationToken);
        _headers.TrySetResult(first);
        if (first is null)
        {
            return;
        }
        var etag = BucketConnection.Unquote(first.ETag);
        var length = first.ContentLength;
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long done = 0;
        var response = first;
        var attempt = 1;
        while (true)
        {
            try
            {
                using (response)
                {
                    done += await PumpAsync(response.ResponseStream, writer, md5, cancellationToken);
                }
                if (done == length)
                {
                    break;
                }
                throw new IOException($"the body ended after {done} of {length} bytes");
            }
            catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (done > length || ++attempt > _bucket.Options.MaxAttempts)
                {
                    throw new IOException($"downloading {_key} from {_bucket.Location} failed after {attempt - 1} attempts at byte {done} of {length}: {e.Message}", e);
                }
                await Task.Delay(_bucket.Options.BaseDelay * attempt, cancellationToken);
                response = await OpenAsync(done, etag, cancellationToken)
                    ?? throw new IOException($"{_key} was deleted from {_bucket.Location} while it was being downloaded");
            }
        }
        var hash = Convert.ToHexStringLower(md5.GetHashAndReset());
        if (BucketObject.IsMd5ETag(etag, first.ServerSideEncryptionMethod?.Value) && hash != etag)
        {
            throw new IOException($"the {length} bytes downloaded of {_key} from {_bucket.Location} have MD5 {hash}, not its ETag {etag}");
        }
    }

    // Reads the body into the buffer; each read must make progress within the per-attempt timeout, while waiting for
    // the reader to make room is not timed.
    private async Task<long> PumpAsync(Stream body, PipeWriter writer, IncrementalHash md5, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            var memory = writer.GetMemory(ReadBytes);
            int read;
            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                stall.CancelAfter(_bucket.Options.AttemptTimeout);
                read = await body.ReadAsync(memory, stall.Token);
            }
            if (read == 0)
            {
                return total;
            }
            md5.AppendData(memory.Span[..read]);
            writer.Advance(read);
            total += read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCompleted)
            {
                throw new OperationCanceledException("the reader stopped");
            }
        }
    }

    private async Task<GetObjectResponse?> OpenAsync(long offset, string? etag, CancellationToken cancellationToken)
    {
        var what = offset == 0 ? $"GET {_key}" : $"GET {_key} from byte {offset}";
        try
        {
            return await _bucket.Runner.RunAsync(what, null, async (_, ct) =>
            {
                var request = new GetObjectRequest { BucketName = _bucket.Location.Bucket, Key = _key, EtagToMatch = etag };
                if (offset > 0)
                {
                    request.ByteRange = new ByteRange(offset, long.MaxValue);
                }
                var response = await _bucket.Client.GetObjectAsync(request, ct);
                if (offset > 0 && response.HttpStatusCode != HttpStatusCode.PartialContent)
                {
                    response.Dispose();
                    throw new IOException($"{what}: the server ignored the range");
                }
                return response;
            }, cancellationToken);
        }
        catch (IOException e) when (offset == 0 && e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound, ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
        {
            throw new IOException($"{_key} in {_bucket.Location} was replaced while it was being downloaded", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _cancel.CancelAsync();
        await _pipe.Reader.CompleteAsync();
        try
        {
            await _run;
        }
        catch (Exception)
        {
            // RunAsync reports through the pipe; nothing escapes it.
        }
        _cancel.Dispose();
    }
}
