using System.Globalization;

namespace Lifeboat.Sources.Redis;

/// <summary>The <c>field:value</c> lines of an <c>INFO</c> reply, and the key counts of its keyspace section.</summary>
public sealed class RedisInfo
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    private RedisInfo(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':');
            if (!line.StartsWith('#') && colon > 0)
            {
                _fields[line[..colon]] = line[(colon + 1)..];
            }
        }
    }

    /// <summary>Runs <c>INFO section</c> on <paramref name="client"/>.</summary>
    public static async Task<RedisInfo> ReadAsync(RespClient client, string section, CancellationToken cancellationToken) =>
        new((await client.ExecuteAsync(["INFO", section], cancellationToken)).Text ?? "");

    /// <summary>The value of <paramref name="field"/>, or null.</summary>
    public string? this[string field] => _fields.GetValueOrDefault(field);

    /// <summary>Keys per database from the keyspace section (<c>db0:keys=12,expires=0,avg_ttl=0</c>); empty databases are absent.</summary>
    public IReadOnlyDictionary<long, long> Keys()
    {
        var keys = new Dictionary<long, long>();
        foreach (var (field, value) in _fields)
        {
            if (field.StartsWith("db", StringComparison.Ordinal)
                && long.TryParse(field.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                var part = value.Split(',').FirstOrDefault(p => p.StartsWith("keys=", StringComparison.Ordinal));
                if (part is not null && long.TryParse(part.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    keys[db] = count;
                }
            }
        }
        return keys;
    }
}
