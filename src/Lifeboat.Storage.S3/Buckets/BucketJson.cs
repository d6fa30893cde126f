using System.Text.Json.Serialization;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>Source-generated JSON for the bucket manifest's lines.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BucketObject))]
internal sealed partial class BucketJson : JsonSerializerContext;
