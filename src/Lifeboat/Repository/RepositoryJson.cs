using System.Text.Json.Serialization;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Repository;

/// <summary>Source-generated JSON for every object the repository stores as JSON.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KeyFile))]
[JsonSerializable(typeof(RepositoryConfig))]
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(Tree))]
[JsonSerializable(typeof(Lifeboat.Locking.LockInfo))]
[JsonSerializable(typeof(Lifeboat.Runs.RunRecord))]
public sealed partial class RepositoryJson : JsonSerializerContext;
