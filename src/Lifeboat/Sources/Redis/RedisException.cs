namespace Lifeboat.Sources.Redis;

/// <summary>
/// A Redis server could not be reached, refused the login or a command, or sent something that is not Redis; the
/// message names the server and says what to check. <see cref="ErrorCode"/> is the first word of the server's error
/// reply (<c>WRONGPASS</c>, <c>NOAUTH</c>, <c>NOPERM</c>, <c>ERR</c>, ...) when the server sent one.
/// </summary>
public sealed class RedisException(string message, string? errorCode = null, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The first word of the server's error reply, or null when the failure was not an error reply.</summary>
    public string? ErrorCode { get; } = errorCode;
}
