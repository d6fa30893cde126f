using System.Text.Json.Serialization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>Source-generated JSON for the WAL archive's objects.</summary>
[JsonSerializable(typeof(WalHeader))]
[JsonSerializable(typeof(ClusterRecord))]
internal sealed partial class WalJson : JsonSerializerContext;
