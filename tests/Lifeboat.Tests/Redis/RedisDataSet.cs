using System.Text;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

/// <summary>Keys of every common type and encoding in several databases, and an exact picture of a server's content.</summary>
internal static class RedisDataSet
{
    public static async Task LoadAsync(RespClient client)
    {
        await RunAsync(client, "SELECT", "0");
        await RunAsync(client, "SET", "s:small", "hello");
        await RunAsync(client, "SET", "s:int", "1234567");
        await client.ExecuteAsync([Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("s:binary"), [.. Enumerable.Range(0, 256).Select(i => (byte)i)]], default);
        await RunAsync(client, "SET", "s:compressible", string.Concat(Enumerable.Repeat("lifeboat ", 20_000)));
        await RunAsync(client, "SET", "s:ttl", "expires later", "EX", "36000");
        await RunAsync(client, "RPUSH", "l:small", "a", "b", "c");
        await RunAsync(client, ["RPUSH", "l:big", .. Enumerable.Range(0, 3000).Select(i => $"item-{i}-{new string('x', i % 50)}")]);
        await RunAsync(client, "SADD", "set:ints", "1", "2", "3", "500000");
        await RunAsync(client, ["SADD", "set:big", .. Enumerable.Range(0, 1000).Select(i => $"member-{i}")]);
        await RunAsync(client, "HSET", "h:small", "name", "lifeboat", "kind", "backup");
        await RunAsync(client, ["HSET", "h:big", .. Enumerable.Range(0, 1000).SelectMany(i => new[] { $"f{i}", $"value {i}" })]);
        await RunAsync(client, "ZADD", "z:small", "1", "one", "2.5", "two and a half", "-3", "minus three");
        await RunAsync(client, ["ZADD", "z:big", .. Enumerable.Range(0, 500).SelectMany(i => new[] { (i * 0.37).ToString(System.Globalization.CultureInfo.InvariantCulture), $"m{i}" })]);
        for (var i = 0; i < 20; i++)
        {
            await RunAsync(client, "XADD", "stream", $"{1000 + i}-0", "field", $"value {i}");
        }
        await RunAsync(client, "XGROUP", "CREATE", "stream", "workers", "0");
        await RunAsync(client, "XREADGROUP", "GROUP", "workers", "alice", "COUNT", "5", "STREAMS", "stream", ">");
        await RunAsync(client, "XACK", "stream", "workers", "1000-0");

        await RunAsync(client, "SELECT", "1");
        for (var i = 0; i < 500; i++)
        {
            await RunAsync(client, "SET", $"k:{i}", $"v{i}");
        }
        await RunAsync(client, "SELECT", "7");
        await RunAsync(client, "HSET", "only-here", "a", "1");
        await RunAsync(client, "PEXPIRE", "only-here", "86400000");
    }

    /// <summary>
    /// Every key of every database as "db/key" → its type, encoding, TTL presence and content in a canonical order (DUMP
    /// is not canonical: hash tables serialize in their iteration order, which differs after a reload).
    /// </summary>
    public static async Task<SortedDictionary<string, string>> ReadAsync(RespClient client)
    {
        var content = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var db = 0; db < 16; db++)
        {
            await RunAsync(client, "SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var keys = await client.ExecuteAsync(["KEYS", "*"], default);
            foreach (var key in keys.Items!.Select(k => k.Text!))
            {
                var type = (await RunAsync(client, "TYPE", key)).Text!;
                var encoding = (await RunAsync(client, "OBJECT", "ENCODING", key)).Text!;
                var ttl = (await RunAsync(client, "PTTL", key)).Integer > 0 ? "TTL" : "no TTL";
                var value = type switch
                {
                    "string" => Convert.ToHexString((await RunAsync(client, "GET", key)).Bytes!),
                    "list" => (await RunAsync(client, "LRANGE", key, "0", "-1")).ToString(),
                    "set" => string.Join(",", (await RunAsync(client, "SMEMBERS", key)).Items!.Select(i => i.Text).Order(StringComparer.Ordinal)),
                    "hash" => string.Join(",", (await RunAsync(client, "HGETALL", key)).Items!.Chunk(2).Select(p => $"{p[0].Text}={p[1].Text}").Order(StringComparer.Ordinal)),
                    "zset" => (await RunAsync(client, "ZRANGE", key, "0", "-1", "WITHSCORES")).ToString(),
                    "stream" => $"{await RunAsync(client, "XRANGE", key, "-", "+")} {await RunAsync(client, "XINFO", "GROUPS", key)} {await RunAsync(client, "XPENDING", key, "workers")}",
                    _ => throw new InvalidOperationException($"no comparison for type {type}"),
                };
                content[$"{db}/{key}"] = $"{type} {encoding} {ttl} {value}";
            }
        }
        await RunAsync(client, "SELECT", "0");
        return content;
    }

    private static Task<RespReply> RunAsync(RespClient client, params string[] arguments) => client.ExecuteAsync(arguments, default);
}
