using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Tests.Redis;

/// <summary>
/// A TCP server on 127.0.0.1 that speaks just enough RESP for a backup (AUTH, PING, INFO, REPLCONF) and answers SYNC
/// with the bytes <see cref="SyncAnswer"/> gives, then closes: for damaged, short, foreign or diskless transfers.
/// With <see cref="Greeting"/> set it sends that on connect and closes instead (a server that is not Redis).
/// </summary>
internal sealed class FakeRedisServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeRedisServer(Func<byte[]> syncAnswer, byte[]? greeting = null)
    {
        SyncAnswer = syncAnswer;
        Greeting = greeting;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public Func<byte[]> SyncAnswer { get; }

    public byte[]? Greeting { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>The length-prefixed answer redis sends for a disk-based transfer.</summary>
    public static byte[] WithLength(byte[] rdb, long? announced = null) =>
        [.. Encoding.ASCII.GetBytes($"\n\n${announced ?? rdb.Length}\r\n"), .. rdb];

    /// <summary>The diskless answer: a 40-character mark, the RDB, the mark again.</summary>
    public static byte[] Diskless(byte[] rdb)
    {
        var mark = Encoding.ASCII.GetBytes(new string('m', 20) + Guid.NewGuid().ToString("N")[..20]);
        return [.. Encoding.ASCII.GetBytes("$EOF:"), .. mark, .. "\r\n"u8, .. rdb, .. mark];
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
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
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            if (Greeting is not null)
            {
                await stream.WriteAsync(Greeting);
                return;
            }
            var reader = new StreamReader(stream, Encoding.Latin1);
            while (await ReadCommandAsync(reader) is { } command)
            {
                var answer = command[0].ToUpperInvariant() switch
                {
                    "AUTH" or "REPLCONF" => "+OK\r\n"u8.ToArray(),
                    "PING" => "+PONG\r\n"u8.ToArray(),
                    "INFO" => Bulk(command.Length > 1 && command[1] == "keyspace" ? "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n" : "# Server\r\nredis_version:7.0.99\r\n"),
                    "SYNC" => SyncAnswer(),
                    _ => "-ERR unknown command\r\n"u8.ToArray(),
                };
                await stream.WriteAsync(answer);
                if (command[0] == "SYNC")
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // The client went away: nothing to serve.
        }
    }

    private static byte[] Bulk(string text) => Encoding.ASCII.GetBytes($"${text.Length}\r\n{text}\r\n");

    private static async Task<string[]?> ReadCommandAsync(StreamReader reader)
    {
        var header = await reader.ReadLineAsync();
        if (header is null || !header.StartsWith('*'))
        {
            return null;
        }
        var arguments = new string[int.Parse(header[1..])];
        for (var i = 0; i < arguments.Length; i++)
        {
            await reader.ReadLineAsync();
            arguments[i] = (await reader.ReadLineAsync())!;
        }
        return arguments;
    }
}
