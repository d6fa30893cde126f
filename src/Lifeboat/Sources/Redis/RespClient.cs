using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// A minimal RESP2 client over one TCP connection: connects, logs in (<c>AUTH</c> with a password, or an ACL user and
/// password), and runs commands one at a time. Every read is bounded by <see cref="RedisClientOptions.ReadTimeout"/>.
/// Failures are <see cref="RedisException"/> with a message naming the server and what to check. Not thread-safe.
/// </summary>
public sealed class RespClient : IAsyncDisposable, IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly RedisClientOptions _options;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start, _end;

    private RespClient(TcpClient tcp, RedisEndpoint endpoint, RedisClientOptions options)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = (int)options.ReadTimeout.TotalMilliseconds;
        _stream.WriteTimeout = (int)options.ReadTimeout.TotalMilliseconds;
        Endpoint = endpoint;
        _options = options;
    }

    /// <summary>The server this client is connected to.</summary>
    public RedisEndpoint Endpoint { get; }

    /// <summary>
    /// Connects to <paramref name="endpoint"/>, sends <c>AUTH</c> when it has a password, and checks the server answers
    /// <c>PING</c> with <c>PONG</c>. Throws <see cref="RedisException"/> when nothing listens, the login is refused, a
    /// password is needed, or the server does not speak RESP.
    /// </summary>
    public static async Task<RespClient> ConnectAsync(RedisEndpoint endpoint, RedisClientOptions options, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.ConnectTimeout);
                try
                {
                    await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new RedisException($"could not connect to {endpoint} within {options.ConnectTimeout.TotalSeconds:0.#} s: check the host, the port and any firewall");
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    throw new RedisException($"nothing listens on {endpoint} (connection refused): is Redis running there, and is the port right?", inner: e);
                }
                catch (SocketException e)
                {
                    throw new RedisException($"could not connect to {endpoint}: {e.Message}", inner: e);
                }
            }
            var client = new RespClient(tcp, endpoint, options);
            try
            {
                await client.LogInAsync(cancellationToken);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Runs one command and returns its reply; an error reply throws <see cref="RedisException"/>.</summary>
    public async Task<RespReply> ExecuteAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await SendAsync(arguments.Select(a => Encoding.UTF8.GetBytes(a)).ToList(), cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>Runs one command with binary arguments (RESTORE, SET of binary values); see <see cref="ExecuteAsync(IReadOnlyList{string}, CancellationToken)"/>.</summary>
    public async Task<RespReply> ExecuteAsync(IReadOnlyList<byte[]> arguments, CancellationToken cancellationToken)
    {
        await SendAsync(arguments, cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>Sends one command without reading its reply (for SYNC, whose answer is not a RESP reply).</summary>
    internal async Task SendAsync(IReadOnlyList<byte[]> arguments, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>();
        Append(output, $"*{arguments.Count}\r\n");
        foreach (var argument in arguments)
        {
            Append(output, $"${argument.Length}\r\n");
            output.Write(argument);
            Append(output, "\r\n");
        }
        using var timeout = Timeout(cancellationToken);
        try
        {
            await _stream.WriteAsync(output.WrittenMemory, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisException($"{Endpoint} accepted nothing for {_options.ReadTimeout.TotalSeconds:0.#} s");
        }
        catch (IOException e)
        {
            throw new RedisException($"{Endpoint} closed the connection while a command was sent: {e.Message}", inner: e);
        }
    }

    /// <summary>Reads one line (without its CR LF); throws when the server closes the connection or stalls.</summary>
    internal async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            if (_start == 0 && _end == _buffer.Length)
            {
                throw NotRedis(Encoding.UTF8.GetString(_buffer, 0, 40));
            }
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Reads up to <paramref name="destination"/>'s length of raw bytes, synchronously (the backup pipeline reads
    /// source streams on its own thread), bounded by the read timeout. Returns 0 when the server closed the connection.
    /// </summary>
    internal int ReadRaw(Span<byte> destination)
    {
        if (_end > _start)
        {
            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, count).CopyTo(destination);
            _start += count;
            return count;
        }
        try
        {
            return _stream.Read(destination);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            throw new RedisException($"{Endpoint} sent nothing for {_options.ReadTimeout.TotalSeconds:0.#} s in the middle of the snapshot", inner: e);
        }
        catch (IOException e)
        {
            throw new RedisException($"the connection to {Endpoint} failed in the middle of the snapshot: {e.Message}", inner: e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task LogInAsync(CancellationToken cancellationToken)
    {
        if (Endpoint.Password is not null)
        {
            string[] auth = Endpoint.User is null ? ["AUTH", Endpoint.Password] : ["AUTH", Endpoint.User, Endpoint.Password];
            try
            {
                await ExecuteAsync(auth, cancellationToken);
            }
            catch (RedisException e) when (e.ErrorCode is "WRONGPASS" || e.Message.Contains("invalid password", StringComparison.OrdinalIgnoreCase))
            {
                throw new RedisException($"{Endpoint} refused the login{(Endpoint.User is null ? "" : $" of user '{Endpoint.User}'")}: wrong user name or password (WRONGPASS); check the password given in the URL, --redis-password-file or $REDISCLI_AUTH", e.ErrorCode, e);
            }
            catch (RedisException e) when (e.ErrorCode is not null)
            {
                throw new RedisException($"{Endpoint} refused the login: {e.Message}", e.ErrorCode, e);
            }
        }
        RespReply pong;
        try
        {
            pong = await ExecuteAsync(["PING"], cancellationToken);
        }
        catch (RedisException e) when (e.ErrorCode is "NOAUTH")
        {
            throw new RedisException($"{Endpoint} requires a password (NOAUTH): give it in the URL (redis://[user:]password@host:port), with --redis-password-file or in $REDISCLI_AUTH", e.ErrorCode, e);
        }
        if (pong.Text != "PONG")
        {
            throw NotRedis(pong.ToString());
        }
    }

    private async Task<RespReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        if (line.Length == 0)
        {
            throw NotRedis(line);
        }
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return new RespReply(RespType.SimpleString, Encoding.UTF8.GetBytes(rest));
            case '-':
                var space = rest.IndexOf(' ');
                throw new RedisException($"{Endpoint} answered: {rest}", space > 0 ? rest[..space] : rest);
            case ':':
                return new RespReply(RespType.Integer, Integer: ParseLength(rest, line));
            case '$':
                var length = ParseLength(rest, line);
                if (length < 0)
                {
                    return new RespReply(RespType.Null);
                }
                var bytes = new byte[length + 2];
                await ReadExactAsync(bytes, cancellationToken);
                if (bytes[^2] != '\r' || bytes[^1] != '\n')
                {
                    throw NotRedis(line);
                }
                return new RespReply(RespType.Bulk, bytes[..^2]);
            case '*':
                var count = ParseLength(rest, line);
                if (count < 0)
                {
                    return new RespReply(RespType.Null);
                }
                var items = new List<RespReply>((int)Math.Min(count, 1024));
                for (long i = 0; i < count; i++)
                {
                    items.Add(await ReadReplyAsync(cancellationToken));
                }
                return new RespReply(RespType.Array, Items: items);
            default:
                throw NotRedis(line);
        }
    }

    private long ParseLength(string text, string line) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= -1 && value <= int.MaxValue
            ? value
            : throw NotRedis(line);

    private async Task ReadExactAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (destination.Length > 0)
        {
            if (_end == _start)
            {
                await FillAsync(cancellationToken);
            }
            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            destination = destination[count..];
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_start, _end) = (0, _end - _start);
        }
        using var timeout = Timeout(cancellationToken);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisException($"{Endpoint} sent no answer for {_options.ReadTimeout.TotalSeconds:0.#} s: is it overloaded, or is this not a Redis server?");
        }
        catch (IOException e)
        {
            throw new RedisException($"the connection to {Endpoint} failed: {e.Message}", inner: e);
        }
        if (read == 0)
        {
            throw new RedisException($"{Endpoint} closed the connection: is this a Redis server (protected mode, maxclients, a TLS port)?");
        }
        _end += read;
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReadTimeout);
        return timeout;
    }

    private RedisException NotRedis(string answer)
    {
        var shown = new string(answer.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return new RedisException($"{Endpoint} does not speak the Redis protocol (it answered '{shown}'): is this the Redis port?");
    }

    private static void Append(ArrayBufferWriter<byte> output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}
