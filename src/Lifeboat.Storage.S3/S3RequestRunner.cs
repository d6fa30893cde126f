using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Lifeboat.Storage.S3;

/// <summary>
/// Runs one S3 request with the store's retry budget: transient failures (5xx, SlowDown and other throttling, a
/// corrupted transfer, connection resets, stalls past the per-attempt timeout) are retried with bounded exponential
/// backoff and jitter; everything else, and the last transient failure once the budget is spent, becomes an
/// <see cref="IOException"/> that names the request. The SDK's own retries are off, so the attempt count is exact.
/// </summary>
internal sealed class S3RequestRunner
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "TooManyRequestsException",
        "RequestLimitExceeded", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
        // The body arrived damaged; sending it again is the fix.
        "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody",
    };

    private static readonly HashSet<string> AuthCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
        "AllAccessDisabled", "AccountProblem", "InvalidSecurity", "RequestTimeTooSkewed",
    };

    private readonly ResiliencePipeline pipeline;
    private readonly string location;

    public S3RequestRunner(S3BlobStoreOptions options, string location)
    {
        MaxAttempts = options.MaxAttempts;
        this.location = location;
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
            });
        }
        pipeline = builder.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>How many times a request is tried at most.</summary>
    public int MaxAttempts { get; }

    /// <summary>
    /// Runs <paramref name="attempt"/> (called with the attempt number, from 1) until it succeeds, fails permanently or
    /// the budget is spent. A 404 becomes <see cref="BlobNotFoundException"/> for <paramref name="notFound"/> when given.
    /// Exceptions the attempt throws itself that are not network or S3 errors (say <see cref="EndOfStreamException"/>
    /// or <see cref="BlobExistsException"/>) pass through unchanged and are never retried.
    /// </summary>
    public async Task<T> RunAsync<T>(string request, BlobName? notFound, Func<int, CancellationToken, Task<T>> attempt,
        CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            return await pipeline.ExecuteAsync(
                async ct => await attempt(++attempts, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsOwn(e) && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (notFound is { } name && e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s3 && s3.ErrorCode != "NoSuchBucket")
            {
                throw new BlobNotFoundException(name);
            }
            throw Describe(request, e, attempts, cancellationToken);
        }
    }

    private IOException Describe(string request, Exception e, int attempts, CancellationToken cancellationToken)
    {
        var detail = Detail(e);
        if (IsTransient(e, cancellationToken))
        {
            return new IOException($"S3 request {request} on {location} failed after {attempts} attempt{(attempts == 1 ? "" : "s")}: {detail}", e);
        }
        if (e is AmazonS3Exception s3 && (s3.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized || AuthCodes.Contains(s3.ErrorCode ?? "")))
        {
            return new IOException(
                $"S3 refused {request} on {location}: {detail}. Check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                + "or AWS_PROFILE), the clock, and the bucket's policy", e);
        }
        if (e is AmazonS3Exception { ErrorCode: "NoSuchBucket" })
        {
            return new IOException($"S3 request {request} failed: the bucket of {location} does not exist", e);
        }
        if (e is AmazonClientException && e is not AmazonServiceException)
        {
            // Raised before anything is sent: no credentials found, no region configured.
            return new IOException($"cannot send S3 request {request} to {location}: {e.Message}", e);
        }
        return new IOException($"S3 request {request} on {location} failed: {detail}", e);
    }

    private static string Detail(Exception e) => e switch
    {
        AmazonServiceException { StatusCode: not 0 } s => $"HTTP {(int)s.StatusCode} {s.ErrorCode ?? s.StatusCode.ToString()}"
            + (string.IsNullOrWhiteSpace(s.Message) ? "" : $" ({s.Message})"),
        TimeoutRejectedException => "no complete response within the per-attempt timeout",
        _ => e.InnerException is { } inner && e is AmazonClientException ? $"{e.Message}: {inner.Message}" : e.Message,
    };

    // The store's own verdicts: never retried, never rewrapped.
    private static bool IsOwn(Exception e) =>
        e is BlobNotFoundException or BlobExistsException or EndOfStreamException or S3StoredObjectMismatchException;

    private static bool IsTransient(Exception e, CancellationToken callerToken)
    {
        if (IsOwn(e))
        {
            return false;
        }
        if (e is S3CorruptTransferException or TimeoutRejectedException)
        {
            return true;
        }
        if (e is OperationCanceledException)
        {
            // The caller's cancellation ends the request; any other is the HTTP client's own timeout.
            return !callerToken.IsCancellationRequested;
        }
        if (e is AmazonServiceException { StatusCode: not 0 } service)
        {
            var status = (int)service.StatusCode;
            return status >= 500 || status is 408 or 429 || TransientCodes.Contains(service.ErrorCode ?? "");
        }
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException or TimeoutException or WebException
                || (x is IOException && x is not (FileNotFoundException or DirectoryNotFoundException)))
            {
                return true;
            }
        }
        return false;
    }
}
