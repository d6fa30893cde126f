using System.Globalization;
using System.Text;

namespace Lifeboat.Sources.Redis;

/// <summary>
/// A live Redis server's data as an RDB snapshot, taken over the replication protocol as <c>redis-cli --rdb</c> does
/// (<c>REPLCONF capa eof</c>, <c>REPLCONF rdb-only 1</c> where supported, then <c>SYNC</c>): the server forks once, and
/// with diskless replication (<c>repl-diskless-sync yes</c>, the Redis 7 default) writes nothing on its disk. The RDB is streamed into the repository as <see cref="StreamName"/>; its magic and CRC-64 are checked on
/// the way and a mismatch, a short transfer or a refusal throws, so no snapshot is recorded. The metadata holds the
/// server version, the RDB size and checksum, and the keys per database counted in the RDB itself
/// (<c>keys.db0</c>, <c>expires.db0</c>, ...), which a restore verifies.
/// </summary>
public sealed class RedisSource(RedisEndpoint endpoint, RedisClientOptions? options = null) : ISource
{
    /// <summary>The name of the RDB file inside the snapshot.</summary>
    public const string StreamName = "dump.rdb";

    /// <summary>Metadata key prefix for the key count of a database: <c>keys.db0</c>.</summary>
    public const string KeysPrefix = "keys.db";

    /// <summary>Metadata key prefix for the number of keys with a TTL in a database: <c>expires.db0</c>.</summary>
    public const string ExpiresPrefix = "expires.db";

    /// <inheritdoc/>
    public string Kind => "redis";

    /// <inheritdoc/>
    public IReadOnlyList<string> Describe() => [endpoint.ToString()];

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
    {
        await using var client = await RespClient.ConnectAsync(endpoint, options ?? new RedisClientOptions(), cancellationToken);
        var server = await RedisInfo.ReadAsync(client, "server", cancellationToken);
        var keyspace = await RedisInfo.ReadAsync(client, "keyspace", cancellationToken);
        var (length, mark) = await StartTransferAsync(client, cancellationToken);

        await using var rdb = new RdbTransferStream(client, length, mark);
        var stored = await sink.AddAsync(StreamName, rdb, cancellationToken);
        var metadata = new Dictionary<string, string>
        {
            ["url"] = endpoint.ToString(),
            ["server.version"] = server["redis_version"] ?? "unknown",
            ["rdb.bytes"] = stored.Size.ToString(CultureInfo.InvariantCulture),
            ["rdb.crc64"] = rdb.Crc.ToString("x16", CultureInfo.InvariantCulture),
        };
        try
        {
            var counts = await rdb.CountsAsync().WaitAsync(cancellationToken);
            metadata["rdb.version"] = counts.Version.ToString(CultureInfo.InvariantCulture);
            metadata["keys.counted"] = "rdb";
            Record(metadata, KeysPrefix, counts.Keys);
            Record(metadata, ExpiresPrefix, counts.Expires);
        }
        catch (InvalidDataException e)
        {
            // The checksum already proved the file intact; a structure this version cannot walk (a newer Redis) only
            // costs the exact counts, so the server's own count from just before the transfer stands in, marked as such.
            metadata["keys.counted"] = "info keyspace before the transfer (" + e.Message + ")";
            Record(metadata, KeysPrefix, keyspace.Keys());
        }
        return metadata;
    }

    private static void Record(Dictionary<string, string> metadata, string prefix, IReadOnlyDictionary<long, long> counts)
    {
        foreach (var (db, count) in counts)
        {
            metadata[prefix + db.ToString(CultureInfo.InvariantCulture)] = count.ToString(CultureInfo.InvariantCulture);
        }
    }

    private RedisException Refused(string reply, string code) =>
        new($"{endpoint} refused the snapshot (SYNC): {reply}" + (code == "NOPERM" ? "; the user needs the permissions +sync +replconf +info +ping (ACL SETUSER)" : ""), code);

    private async Task<(long Length, byte[]? Mark)> StartTransferAsync(RespClient client, CancellationToken cancellationToken)
    {
        // As redis-cli --rdb: accepting the end-mark format lets a server configured for diskless replication (the
        // Redis 7 default) stream the RDB from its fork without writing it to its disk first.
        try
        {
            await client.ExecuteAsync(["REPLCONF", "capa", "eof"], cancellationToken);
            // Redis 7 then sends the RDB alone and closes, instead of keeping this connection as a replica.
            await client.ExecuteAsync(["REPLCONF", "rdb-only", "1"], cancellationToken);
        }
        catch (RedisException e) when (e.ErrorCode == "ERR")
        {
            // Older servers do not know rdb-only; SYNC then works as before.
        }
        catch (RedisException e) when (e.ErrorCode == "NOPERM")
        {
            throw Refused(e.Message[(e.Message.IndexOf("NOPERM", StringComparison.Ordinal))..], e.ErrorCode);
        }
        await client.SendAsync([Encoding.ASCII.GetBytes("SYNC")], cancellationToken);
        while (true)
        {
            // The server sends bare newlines as keep-alives while it writes the RDB.
            var line = await client.ReadLineAsync(cancellationToken);
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] == '-')
            {
                throw Refused(line[1..], line[1..].Split(' ')[0]);
            }
            if (line.StartsWith("$EOF:", StringComparison.Ordinal) && line.Length >= 5 + 40)
            {
                return (0, Encoding.ASCII.GetBytes(line.Substring(5, 40)));
            }
            if (line[0] == '$' && long.TryParse(line.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                return (length, null);
            }
            throw new RedisException($"{endpoint} answered SYNC with '{new string(line.Take(40).ToArray())}' instead of an RDB: is this a Redis server?");
        }
    }
}
