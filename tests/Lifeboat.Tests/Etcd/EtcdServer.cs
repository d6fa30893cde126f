using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Lifeboat.Tests.Etcd;

/// <summary>
/// A single-member etcd started by a test on 127.0.0.1 with free client and peer ports, over a given data directory;
/// keys are written and read through etcd's JSON gateway (base64 keys and values, so any bytes round-trip).
/// </summary>
internal sealed class EtcdServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private EtcdServer(Process process, string name, int clientPort, int peerPort)
    {
        _process = process;
        Name = name;
        ClientUrl = $"http://127.0.0.1:{clientPort}";
        PeerUrl = $"http://127.0.0.1:{peerPort}";
        _http = new HttpClient { BaseAddress = new Uri(ClientUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Name { get; }
    public string ClientUrl { get; }
    public string PeerUrl { get; }

    /// <summary>A free TCP port on 127.0.0.1 (bound and released, so a clash is unlikely though not impossible).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts etcd on <paramref name="dataDirectory"/> as member <paramref name="name"/> and waits until it answers.</summary>
    public static async Task<EtcdServer> StartAsync(string dataDirectory, string name, int peerPort)
    {
        var clientPort = FreePort();
        var peer = $"http://127.0.0.1:{peerPort}";
        var client = $"http://127.0.0.1:{clientPort}";
        var start = new ProcessStartInfo("etcd",
        [
            "--name", name, "--data-dir", dataDirectory,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"{name}={peer}", "--log-outputs", "stderr", "--logger", "zap",
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new EtcdServer(process, name, clientPort, peerPort);
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || stopwatch.Elapsed > TimeSpan.FromSeconds(30))
            {
                await server.DisposeAsync();
                lock (log)
                {
                    throw new InvalidOperationException($"etcd did not become healthy on {client}: {log}");
                }
            }
            try
            {
                var health = await server._http.GetStringAsync("/health");
                if (health.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
    }

    public async Task PutAsync(byte[] key, byte[] value)
    {
        using var response = await _http.PostAsJsonAsync("/v3/kv/put", new { key = Convert.ToBase64String(key), value = Convert.ToBase64String(value) });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Every key and value, by key (base64 of the key, so that any bytes compare exactly).</summary>
    public async Task<SortedDictionary<string, string>> ReadAllAsync()
    {
        var all = Convert.ToBase64String([0]);
        using var response = await _http.PostAsJsonAsync("/v3/kv/range", new { key = all, range_end = all });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (json.RootElement.TryGetProperty("kvs", out var kvs))
        {
            foreach (var kv in kvs.EnumerateArray())
            {
                result[kv.GetProperty("key").GetString()!] = kv.TryGetProperty("value", out var value) ? value.GetString()! : "";
            }
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
