using System.Text.Json.Serialization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>Source-generated JSON for the WAL archive's objects.</summary>
[JsonSerializable(typeof(WalHeader))]
[JsonSerializable(typeof(ClusterRecord))]
[JsonSerializable(typeof(WalRefusal))]
internal sealed partial class WalJson : JsonSerializerContext;
