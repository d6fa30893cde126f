using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Lifeboat.Tests.Server;

/// <summary>An HTTP endpoint on 127.0.0.1 and a free port that records every POST body and answers with the next scripted status (200 when the script is done).</summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<HttpStatusCode> _statuses;
    private readonly Task _loop;

    public WebhookReceiver(params HttpStatusCode[] statuses)
    {
        _statuses = new ConcurrentQueue<HttpStatusCode>(statuses);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/hooks/T000/B000/secret");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Every request: its status as answered, and its JSON body.</summary>
    public ConcurrentQueue<(HttpStatusCode Status, string ContentType, JsonElement Body)> Requests { get; } = new();

    public async Task WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Requests.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} webhook requests, got {Requests.Count}");
            await Task.Delay(10);
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
            var status = _statuses.TryDequeue(out var next) ? next : HttpStatusCode.OK;
            Assert.Equal("POST", context.Request.HttpMethod);
            Requests.Enqueue((status, context.Request.ContentType ?? "", body));
            context.Response.StatusCode = (int)status;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
