using Lifeboat.Sources.Redis;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Redis;

/// <summary>A real redis-server in its own temporary directory, stopped and deleted on dispose.</summary>
internal sealed class RedisTestServer : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private RedisTestServer(TempDirectory directory, ScratchRedisServer server)
    {
        _directory = directory;
        Server = server;
    }

    public ScratchRedisServer Server { get; }

    public int Port => Server.Port;

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisTestServer> StartAsync(string? password = null, params string[] arguments)
    {
        var directory = new TempDirectory();
        try
        {
            var server = await ScratchRedisServer.StartAsync(directory.Path, ["--enable-debug-command", "local", "--repl-diskless-sync-delay", "0", .. arguments], password, TimeSpan.FromSeconds(60), CancellationToken.None);
            return new RedisTestServer(directory, server);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public Task<RespClient> ConnectAsync() => Server.ConnectAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _directory.Dispose();
    }
}
