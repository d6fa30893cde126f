using System.Net.Http.Json;
using System.Threading.Channels;
using Lifeboat.Server.Metrics;

namespace Lifeboat.Server.Webhooks;

/// <summary>
/// Posts <see cref="WebhookEvent"/>s to every configured URL, in order, from a queue, so a slow or failing endpoint
/// never holds up a backup. Each post is retried with exponential backoff; an event that still cannot be delivered is
/// counted and shown in /health and /metrics (the daemon goes on).
/// </summary>
public sealed class WebhookNotifier
{
    private readonly Channel<WebhookEvent> _queue = Channel.CreateUnbounded<WebhookEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IReadOnlyList<Uri> _urls;
    private readonly HttpClient _client;
    private readonly TimeProvider _clock;
    private readonly string _host;
    private readonly Lock _lock = new();
    private long _delivered;
    private long _failed;
    private long _attemptFailures;
    private string? _lastError;
    private DateTimeOffset? _lastErrorTime;

    /// <summary>Creates the notifier; nothing is sent before <see cref="RunAsync"/>.</summary>
    /// <param name="urls">Where to post; none means events are only counted.</param>
    /// <param name="client">The HTTP client (its timeout bounds one attempt).</param>
    /// <param name="clock">Times the waits between attempts.</param>
    /// <param name="host">The host name the messages name.</param>
    public WebhookNotifier(IReadOnlyList<Uri> urls, HttpClient client, TimeProvider clock, string host)
    {
        foreach (var url in urls)
        {
            if (url.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"webhook URL '{Redact(url)}' is not http or https");
            }
        }
        _urls = urls;
        _client = client;
        _clock = clock;
        _host = host;
    }

    /// <summary>Attempts per event and URL, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The wait after the first failed attempt; doubled after each further one.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Queues an event; returns at once.</summary>
    public void Notify(WebhookEvent webhookEvent) => _queue.Writer.TryWrite(webhookEvent);

    /// <summary>Accepts no more events: <see cref="RunAsync"/> returns once the queue is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Delivers queued events until <paramref name="stopping"/> is cancelled (an event being retried then is abandoned and counted failed).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var webhookEvent in _queue.Reader.ReadAllAsync(stopping))
            {
                foreach (var url in _urls)
                {
                    await DeliverAsync(url, webhookEvent, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown: undelivered events stay unsent; the daemon's log has their runs.
        }
    }

    /// <summary>Delivery figures for /health.</summary>
    public object Describe()
    {
        lock (_lock)
        {
            return new { urls = _urls.Count, delivered = _delivered, failed = _failed, attemptFailures = _attemptFailures, lastError = _lastError, lastErrorTime = _lastErrorTime };
        }
    }

    /// <summary>Writes the delivery counters.</summary>
    public void Write(PrometheusTextWriter writer)
    {
        lock (_lock)
        {
            writer.Family("lifeboat_webhook_deliveries_total", "counter", "Webhook posts that succeeded.");
            writer.Sample("lifeboat_webhook_deliveries_total", [], _delivered);
            writer.Family("lifeboat_webhook_failures_total", "counter", "Webhook posts that failed after every retry.");
            writer.Sample("lifeboat_webhook_failures_total", [], _failed);
            writer.Family("lifeboat_webhook_attempt_failures_total", "counter", "Webhook attempts that failed, retried ones included.");
            writer.Sample("lifeboat_webhook_attempt_failures_total", [], _attemptFailures);
        }
    }

    private async Task DeliverAsync(Uri url, WebhookEvent webhookEvent, CancellationToken stopping)
    {
        var body = webhookEvent.ToJson(_host);
        for (var attempt = 1; ; attempt++)
        {
            string error;
            try
            {
                using var response = await _client.PostAsJsonAsync(url, body, stopping);
                if (response.IsSuccessStatusCode)
                {
                    lock (_lock)
                    {
                        _delivered++;
                    }
                    return;
                }
                error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
            {
                error = e.Message;
            }
            var message = $"webhook {Redact(url)}: {webhookEvent.Name} of '{webhookEvent.Component}', attempt {attempt}/{MaxAttempts}: {error}";
            lock (_lock)
            {
                _attemptFailures++;
                _lastError = message;
                _lastErrorTime = _clock.GetUtcNow();
                if (attempt >= MaxAttempts)
                {
                    _failed++;
                }
            }
            await Console.Error.WriteLineAsync($"lifeboat serve: {message}");
            if (attempt >= MaxAttempts)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromTicks(InitialDelay.Ticks << Math.Min(attempt - 1, 20)), _clock, stopping);
        }
    }

    /// <summary>The URL without its path and query: a Slack webhook's path is its secret.</summary>
    private static string Redact(Uri url) => $"{url.Scheme}://{url.Authority}/…";
}
