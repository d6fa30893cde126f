namespace Lifeboat.Sources.Redis;

/// <summary>Timeouts of a <see cref="RespClient"/>.</summary>
public sealed record RedisClientOptions
{
    /// <summary>How long to wait for the TCP connection (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a single read may wait for the next bytes (default 60 s). During a snapshot the server sends a newline
    /// every second while it writes the RDB, so this bounds a stalled server, not a large dataset.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
