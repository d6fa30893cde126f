namespace Lifeboat.Sources.Redis;

/// <summary>What an RDB file holds, counted by <see cref="RdbKeyCounter"/>: keys and keys with a TTL, per database.</summary>
public sealed record RdbKeyCounts(int Version, IReadOnlyDictionary<long, long> Keys, IReadOnlyDictionary<long, long> Expires);
