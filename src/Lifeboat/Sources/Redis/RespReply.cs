using System.Text;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// One reply from a Redis server (error replies are thrown as <see cref="RedisException"/> instead). Bulk strings
/// are kept as bytes: values may be binary (DUMP).
/// </summary>
public sealed record RespReply(RespType Type, byte[]? Bytes = null, long Integer = 0, IReadOnlyList<RespReply>? Items = null)
{
    /// <summary>The reply as text: a simple or bulk string (UTF-8), or an integer; null for a null reply.</summary>
    public string? Text => Type switch
    {
        RespType.SimpleString or RespType.Bulk => Encoding.UTF8.GetString(Bytes!),
        RespType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <inheritdoc/>
    public override string ToString() => Type == RespType.Array ? $"[{string.Join(", ", Items!)}]" : Text ?? "(nil)";
}
