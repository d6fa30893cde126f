using System.Text;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

/// <summary>The RESP client against a real redis-server, and against things that are not one.</summary>
public sealed class RespClientTests
{
    private static readonly RedisClientOptions Quick = new() { ConnectTimeout = TimeSpan.FromSeconds(5), ReadTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Strings_binary_values_integers_nulls_arrays_and_errors_come_back_as_sent()
    {
        await using var server = await RedisTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        Assert.Equal("OK", (await client.ExecuteAsync(["SET", "greeting", "héllo\r\nworld"], default)).Text);
        Assert.Equal("héllo\r\nworld", (await client.ExecuteAsync(["GET", "greeting"], default)).Text);
        await client.ExecuteAsync([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("bin"), binary], default);
        Assert.Equal(binary, (await client.ExecuteAsync(["GET", "bin"], default)).Bytes);
        Assert.Equal(RespType.Null, (await client.ExecuteAsync(["GET", "missing"], default)).Type);
        Assert.Equal(3, (await client.ExecuteAsync(["RPUSH", "list", "a", "b", "c"], default)).Integer);
        var range = await client.ExecuteAsync(["LRANGE", "list", "0", "-1"], default);
        Assert.Equal(["a", "b", "c"], range.Items!.Select(i => i.Text));
        var error = await Assert.ThrowsAsync<RedisException>(() => client.ExecuteAsync(["LPUSH", "greeting", "x"], default));
        Assert.Equal("WRONGTYPE", error.ErrorCode);
        Assert.Equal("héllo\r\nworld", (await client.ExecuteAsync(["GET", "greeting"], default)).Text);
    }

    [Fact]
    public async Task A_closed_port_is_reported_as_nothing_listening()
    {
        int port;
        await using (var server = await RedisTestServer.StartAsync())
        {
            port = server.Port;
        }

        var error = await Assert.ThrowsAsync<RedisException>(() => RespClient.ConnectAsync(new RedisEndpoint { Port = port }, Quick, default));

        Assert.Contains($"nothing listens on redis://127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task A_server_that_is_not_redis_is_named_as_such()
    {
        await using var http = new FakeRedisServer(() => [], "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<RedisException>(() => RespClient.ConnectAsync(new RedisEndpoint { Port = http.Port }, Quick, default));

        Assert.Contains("does not speak the Redis protocol", error.Message);
        Assert.Contains("HTTP/1.1 400", error.Message);
    }

    [Fact]
    public async Task A_password_protected_server_needs_the_password_and_refuses_a_wrong_one()
    {
        await using var server = await RedisTestServer.StartAsync("s3cret", "--requirepass", "s3cret",
            "--user", "backup", "on", ">bpw", "-@all", "+ping", "+info");
        var endpoint = new RedisEndpoint { Port = server.Port };

        var none = await Assert.ThrowsAsync<RedisException>(() => RespClient.ConnectAsync(endpoint, Quick, default));
        var wrong = await Assert.ThrowsAsync<RedisException>(() => RespClient.ConnectAsync(endpoint with { Password = "nope" }, Quick, default));
        var wrongUser = await Assert.ThrowsAsync<RedisException>(() => RespClient.ConnectAsync(endpoint with { User = "backup", Password = "s3cret" }, Quick, default));
        await using var asDefault = await RespClient.ConnectAsync(endpoint with { Password = "s3cret" }, Quick, default);
        await using var asUser = await RespClient.ConnectAsync(endpoint with { User = "backup", Password = "bpw" }, Quick, default);

        Assert.Equal("NOAUTH", none.ErrorCode);
        Assert.Contains("requires a password", none.Message);
        Assert.Equal("WRONGPASS", wrong.ErrorCode);
        Assert.Contains("wrong user name or password", wrong.Message);
        Assert.DoesNotContain("nope", wrong.Message);
        Assert.Contains("user 'backup'", wrongUser.Message);
        Assert.Equal("PONG", (await asUser.ExecuteAsync(["PING"], default)).Text);
        Assert.Equal("NOPERM", (await Assert.ThrowsAsync<RedisException>(() => asUser.ExecuteAsync(["GET", "x"], default))).ErrorCode);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_after_the_read_timeout()
    {
        // Connections wait in the listen backlog: the connect succeeds, and nothing ever answers.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<RedisException>(() =>
            RespClient.ConnectAsync(new RedisEndpoint { Port = port }, Quick with { ReadTimeout = TimeSpan.FromSeconds(1) }, default));

        Assert.Contains("sent no answer for 1 s", error.Message);
    }
}
