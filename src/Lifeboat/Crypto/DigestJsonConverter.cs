using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifeboat.Crypto;

/// <summary>Digests in JSON are 64 lower-case hex characters; anything else is a <see cref="JsonException"/>.</summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    /// <inheritdoc />
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !Digest.TryParse(reader.GetString(), out var digest))
        {
            throw new JsonException("expected a 64-character hex ID");
        }
        return digest;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
