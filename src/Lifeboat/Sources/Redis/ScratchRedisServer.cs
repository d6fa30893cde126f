using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// A <c>redis-server</c> started on 127.0.0.1 and a free port with its working directory in <see cref="Directory"/>
/// (where it loads <c>dump.rdb</c> from), never saving (<c>--save ""</c>, no AOF). Disposing shuts it down without
/// saving and kills it if it does not stop. For restore drills and tests.
/// </summary>
public sealed class ScratchRedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ScratchRedisServer(ChildProcess process, string directory, RedisEndpoint endpoint)
    {
        _process = process;
        Directory = directory;
        Endpoint = endpoint;
    }

    /// <summary>The server's working directory.</summary>
    public string Directory { get; }

    /// <summary>Where it listens, with the password given at start.</summary>
    public RedisEndpoint Endpoint { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => Endpoint.Port;

    /// <summary>The server's process ID.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts <c>redis-server</c> in <paramref name="directory"/> with <paramref name="arguments"/> added to its command
    /// line (such as <c>--requirepass</c>, whose password <paramref name="password"/> must then give), and waits until it
    /// has loaded its dataset and answers PING, for at most <paramref name="loadTimeout"/>. Throws with the server's
    /// log when it exits or does not become ready.
    /// </summary>
    public static async Task<ScratchRedisServer> StartAsync(string directory, IReadOnlyList<string> arguments, string? password,
        TimeSpan loadTimeout, CancellationToken cancellationToken)
    {
        var log = Path.Combine(directory, "redis.log");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            // Its stdout is a pipe nobody reads (it logs to its log file), never the caller's stdout: a server kept
            // running after this process exits must not hold the caller's output open.
            var process = ChildProcess.Start("redis-server",
            [
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
                "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", log, .. arguments,
            ], readStdout: true);
            var server = new ScratchRedisServer(process, directory, new RedisEndpoint { Port = port, Password = password });
            try
            {
                await server.WaitReadyAsync(log, loadTimeout, cancellationToken);
                return server;
            }
            catch (RedisException) when (attempt < 3 && LogTail(log).Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port between the probe and the start: try another one.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>A new logged-in connection to the server.</summary>
    public Task<RespClient> ConnectAsync(CancellationToken cancellationToken) =>
        RespClient.ConnectAsync(Endpoint, new RedisClientOptions(), cancellationToken);

    /// <summary>Keys per database, from <c>INFO keyspace</c>.</summary>
    public async Task<IReadOnlyDictionary<long, long>> KeyCountsAsync(CancellationToken cancellationToken)
    {
        await using var client = await ConnectAsync(cancellationToken);
        return (await RedisInfo.ReadAsync(client, "keyspace", cancellationToken)).Keys();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using (var client = await RespClient.ConnectAsync(Endpoint, new RedisClientOptions { ConnectTimeout = TimeSpan.FromSeconds(2), ReadTimeout = TimeSpan.FromSeconds(5) }, timeout.Token))
            {
                await client.SendAsync([.. new[] { "SHUTDOWN", "NOSAVE" }.Select(System.Text.Encoding.ASCII.GetBytes)], timeout.Token);
            }
            await _process.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // Not answering or already gone: the kill below stops it either way.
        }
        await _process.DisposeAsync();
    }

    private async Task WaitReadyAsync(string log, TimeSpan loadTimeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + loadTimeout;
        var quick = new RedisClientOptions { ConnectTimeout = TimeSpan.FromSeconds(2), ReadTimeout = TimeSpan.FromSeconds(5) };
        var exited = _process.WaitAsync(CancellationToken.None);
        while (true)
        {
            if (exited.IsCompleted)
            {
                throw new RedisException($"redis-server exited with code {await exited} before it was ready: {LogTail(log)}");
            }
            try
            {
                await using var client = await RespClient.ConnectAsync(Endpoint, quick, cancellationToken);
                return;
            }
            catch (RedisException e) when (e.ErrorCode is null or "LOADING")
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new RedisException($"redis-server on port {Port} was not ready after {loadTimeout.TotalSeconds:0} s: {e.Message}; log: {LogTail(log)}");
                }
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private static string LogTail(string log)
    {
        try
        {
            var lines = File.ReadAllLines(log);
            return string.Join(" | ", lines.TakeLast(5));
        }
        catch (IOException)
        {
            return "(no log written)";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
