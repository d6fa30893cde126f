using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Tests.Storage;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of an S3 server that misbehaves on purpose, repeatably (seeded): it answers a
/// share of requests with 503 SlowDown or 500 InternalError, resets the connection, or forwards the request and then
/// answers 500 as if the response were lost; it can corrupt the body of PUTs, or stall every request. One request per
/// connection (it asks the server to close), so each response ends when the server closes.
/// </summary>
public sealed class S3FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _faultsPerRequest = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;
    private int _faults;
    private int _corrupted;

    /// <summary>Starts a proxy to <paramref name="upstream"/>; <paramref name="seed"/> makes the faults repeatable.</summary>
    public S3FaultProxy(Uri upstream, int seed)
    {
        _upstreamPort = upstream.Port;
        _random = new Random(seed);
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public Uri Endpoint { get; }

    /// <summary>The share of requests (0 to 1) that get a fault.</summary>
    public double FaultRate { get; set; }

    /// <summary>How many faults one request (method, URL and range) gets at most; bounded so a retrying client gets through.</summary>
    public int MaxFaultsPerRequest { get; set; } = 3;

    /// <summary>How many of the next PUT requests have one byte of their body flipped on the way.</summary>
    public int CorruptNextPuts { get; set; }

    /// <summary>How many of the next object GETs (bodies over 1 KiB) are cut off halfway, the connection then closed.</summary>
    public int CutNextGetBodies { get; set; }

    /// <summary>How many of the next object GETs (bodies over 1 KiB) have one byte of their body flipped on the way.</summary>
    public int CorruptNextGetBodies { get; set; }

    /// <summary>How many of the next multipart completions (POST ?uploadId=) reach the server but are answered 500.</summary>
    public int LoseNextCompletions { get; set; }

    /// <summary>When set, requests are never answered.</summary>
    public bool Stall { get; set; }

    /// <summary>Requests received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Faults injected (error answers and resets; not corruptions).</summary>
    public int Faults => Volatile.Read(ref _faults);

    /// <summary>PUT bodies corrupted.</summary>
    public int Corrupted => Volatile.Read(ref _corrupted);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ServeOneAsync(client, _stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the proxy is stopping.
            }
        }
    }

    private async Task ServeOneAsync(TcpClient client, CancellationToken ct)
    {
        var stream = client.GetStream();
        // Reads go through a buffer (the head is read a byte at a time); writes go straight to the socket.
        var reader = new BufferedStream(stream, 16 * 1024);
        var head = await ReadHeadAsync(reader, ct);
        if (head is null)
        {
            return;
        }
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var method = requestLine[0];
        var headers = lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => (Name: l[..l.IndexOf(':')].Trim(), Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        if (Header("Transfer-Encoding") is not null)
        {
            throw new NotSupportedException("the fault proxy only handles bodies with a Content-Length");
        }
        if (Header("Expect")?.Equals("100-continue", StringComparison.OrdinalIgnoreCase) == true)
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct);
        }
        var body = new byte[long.Parse(Header("Content-Length") ?? "0")];
        await reader.ReadExactlyAsync(body, ct);

        int fault;
        var corrupt = false;
        lock (_gate)
        {
            _requests++;
            fault = -1;
            if (method == "PUT" && CorruptNextPuts > 0 && body.Length > 0)
            {
                CorruptNextPuts--;
                corrupt = true;
            }
            else if (_random.NextDouble() < FaultRate)
            {
                var key = $"{method} {requestLine[1]} {Header("Range")}";
                var count = _faultsPerRequest.GetValueOrDefault(key);
                if (count < MaxFaultsPerRequest)
                {
                    _faultsPerRequest[key] = count + 1;
                    _faults++;
                    fault = _random.Next(4);
                }
            }
        }

        if (Stall)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        switch (fault)
        {
            case 0:
                await WriteErrorAsync(stream, method, 503, "Slow Down", "SlowDown", ct);
                return;
            case 1:
                await WriteErrorAsync(stream, method, 500, "Internal Server Error", "InternalError", ct);
                return;
            case 2:
                client.LingerState = new LingerOption(true, 0);
                client.Client.Close();
                return;
        }

        if (corrupt)
        {
            body[body.Length / 2] ^= 0x01;
            Interlocked.Increment(ref _corrupted);
        }

        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, ct);
        var upstreamStream = upstream.GetStream();
        var forwarded = new StringBuilder(lines[0]).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            if (!name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && !name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
            {
                forwarded.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }
        forwarded.Append("Connection: close\r\n\r\n");
        await upstreamStream.WriteAsync(Encoding.ASCII.GetBytes(forwarded.ToString()), ct);
        await upstreamStream.WriteAsync(body, ct);

        if (method == "POST" && requestLine[1].Contains("uploadId=", StringComparison.Ordinal))
        {
            lock (_gate)
            {
                if (LoseNextCompletions > 0)
                {
                    LoseNextCompletions--;
                    fault = 3;
                }
            }
        }
        if (fault == 3)
        {
            // The server did the work; the client only sees an error.
            await upstreamStream.CopyToAsync(Stream.Null, ct);
            await WriteErrorAsync(stream, method, 500, "Internal Server Error", "InternalError", ct);
            return;
        }
        if (method == "GET" && !requestLine[1].Contains("list-type", StringComparison.Ordinal))
        {
            var response = new MemoryStream();
            await upstreamStream.CopyToAsync(response, ct);
            var bytes = response.ToArray();
            var bodyStart = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
            var (cut, flip) = (false, false);
            lock (_gate)
            {
                if (bytes.Length - bodyStart > 1024 && CutNextGetBodies > 0)
                {
                    CutNextGetBodies--;
                    cut = true;
                }
                else if (bytes.Length - bodyStart > 1024 && CorruptNextGetBodies > 0)
                {
                    CorruptNextGetBodies--;
                    flip = true;
                }
            }
            if (flip)
            {
                bytes[bodyStart + (bytes.Length - bodyStart) / 2] ^= 0x01;
            }
            // A cut body ends early and the connection closes: the client sees fewer bytes than Content-Length.
            await stream.WriteAsync(bytes.AsMemory(0, cut ? bodyStart + (bytes.Length - bodyStart) / 2 : bytes.Length), ct);
            return;
        }
        await upstreamStream.CopyToAsync(stream, ct);
    }

    private static async Task WriteErrorAsync(NetworkStream stream, string method, int status, string reason, string code, CancellationToken ct)
    {
        var xml = method == "HEAD" ? "" :
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>";
        var response = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {Encoding.UTF8.GetByteCount(xml)}\r\nConnection: close\r\n\r\n{xml}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(response), ct);
    }

    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new List<byte>(1024);
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, n - 4);
            }
            if (n > 64 * 1024)
            {
                throw new IOException("request head over 64 KiB");
            }
        }
    }
}
