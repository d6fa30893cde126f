using System.Globalization;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// The key counts a restored server holds compared with those a snapshot recorded, database by database. A database
/// may hold fewer keys than recorded only by keys with a TTL (Redis drops keys whose TTL passed while it loads).
/// </summary>
public sealed record RedisKeyCountCheck(bool Matches, IReadOnlyList<string> Lines)
{
    /// <summary>Compares <paramref name="loaded"/> (from INFO keyspace) with the snapshot's <paramref name="recorded"/> source map.</summary>
    public static RedisKeyCountCheck Compare(IReadOnlyDictionary<string, string> recorded, IReadOnlyDictionary<long, long> loaded)
    {
        var expected = Parse(recorded, RedisSource.KeysPrefix);
        var expiring = Parse(recorded, RedisSource.ExpiresPrefix);
        var lines = new List<string>();
        var matches = true;
        foreach (var db in expected.Keys.Union(loaded.Keys).Order())
        {
            var want = expected.GetValueOrDefault(db);
            var have = loaded.GetValueOrDefault(db);
            var expired = want - have;
            if (have == want)
            {
                lines.Add($"db{db}: {have} keys, as recorded");
            }
            else if (expired > 0 && expired <= expiring.GetValueOrDefault(db))
            {
                lines.Add($"db{db}: {have} of {want} keys ({expired} of the {expiring[db]} keys with a TTL expired since the backup)");
            }
            else
            {
                lines.Add($"db{db}: {have} keys, but the snapshot recorded {want}");
                matches = false;
            }
        }
        if (lines.Count == 0)
        {
            lines.Add("no keys, as recorded");
        }
        return new RedisKeyCountCheck(matches, lines);
    }

    private static Dictionary<long, long> Parse(IReadOnlyDictionary<string, string> recorded, string prefix)
    {
        var counts = new Dictionary<long, long>();
        foreach (var (key, value) in recorded)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)
                && long.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var db)
                && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                counts[db] = count;
            }
        }
        return counts;
    }
}
