using System.Globalization;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// Where a Redis server listens and how to log in: <c>redis://[user:password@]host[:port]</c> (host 127.0.0.1 and
/// port 6379 by default). <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record RedisEndpoint
{
    /// <summary>The default Redis port.</summary>
    public const int DefaultPort = 6379;

    /// <summary>Host name or address.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name; null logs in as the default user (<c>AUTH password</c>).</summary>
    public string? User { get; init; }

    /// <summary>Password; null sends no AUTH.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Parses <c>redis://[user:password@]host[:port][/]</c>; a bare <c>host[:port]</c> is accepted too. User and password
    /// are percent-decoded. Throws <see cref="ArgumentException"/> on anything else.
    /// </summary>
    public static RedisEndpoint Parse(string url)
    {
        var text = url.Contains("://", StringComparison.Ordinal) ? url : "redis://" + url;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "redis"
            || uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Host.Length == 0)
        {
            throw new ArgumentException($"'{Redact(url)}' is not a Redis URL: use redis://[user:password@]host[:port] (rediss:// TLS is not supported yet)");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            if (colon < 0)
            {
                // redis://secret@host, as redis-cli -u reads it: the only part is the password.
                password = Uri.UnescapeDataString(uri.UserInfo);
            }
            else
            {
                user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
                user = user.Length == 0 ? null : user;
            }
        }
        return new RedisEndpoint
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port,
            User = user,
            Password = string.IsNullOrEmpty(password) ? null : password,
        };
    }

    /// <summary><c>redis://host:port</c>, without user or password.</summary>
    public override string ToString() =>
        "redis://" + (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at < 0 ? url : url[..(scheme < 0 ? 0 : scheme + 3)] + "***@" + url[(at + 1)..];
    }
}
