using System.Text.Json.Serialization;
using Lifeboat.Chunking;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// The repository's config object, sealed with associated data "lifeboat-config" and stored as "config".
/// Fixed at init: changing chunker parameters or the gear seed would break deduplication with existing data.
/// </summary>
public sealed record RepositoryConfig
{
    /// <summary>The only format version this code reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Repository format version.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    /// <summary>Random repository ID (32 hex characters).</summary>
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    /// <summary>Minimum chunk size in bytes.</summary>
    [JsonPropertyName("chunkMin")] public int ChunkMin { get; init; }
    /// <summary>Average chunk size in bytes (a power of two).</summary>
    [JsonPropertyName("chunkAverage")] public int ChunkAverage { get; init; }
    /// <summary>Maximum chunk size in bytes.</summary>
    [JsonPropertyName("chunkMax")] public int ChunkMax { get; init; }
    /// <summary>32-byte secret seed of the gear table, base64.</summary>
    [JsonPropertyName("gearSeed")] public string GearSeed { get; init; } = "";
    /// <summary>Default zstd level for new chunks (0: store uncompressed).</summary>
    [JsonPropertyName("compressionLevel")] public int CompressionLevel { get; init; } = 3;
    /// <summary>Target pack size in bytes.</summary>
    [JsonPropertyName("packSize")] public int PackSize { get; init; } = DefaultPackSize;

    /// <summary>
    /// 7.5 MiB of chunks: a whole pack with its header stays within 8 MiB (one buffer size class when read back),
    /// large enough for few objects and efficient uploads, small enough to keep memory low.
    /// </summary>
    public const int DefaultPackSize = 8 * 1024 * 1024 - 512 * 1024;

    /// <summary>The chunker parameters.</summary>
    [JsonIgnore] public ChunkerParameters Chunker => new(ChunkMin, ChunkAverage, ChunkMax);

    /// <summary>A new config with fresh secrets.</summary>
    public static RepositoryConfig Create(ChunkerParameters chunker, int compressionLevel, int packSize) => new()
    {
        Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
        ChunkMin = chunker.MinSize,
        ChunkAverage = chunker.AverageSize,
        ChunkMax = chunker.MaxSize,
        GearSeed = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        CompressionLevel = compressionLevel,
        PackSize = packSize,
    };

    /// <summary>Throws <see cref="CorruptObjectException"/> when any field is out of range.</summary>
    public void Validate()
    {
        if (Version != CurrentVersion)
        {
            throw new CorruptObjectException($"repository format version {Version} is not supported (this Lifeboat reads version {CurrentVersion})");
        }
        try
        {
            Chunker.Validate();
            if (Convert.FromBase64String(GearSeed).Length != 32)
            {
                throw new FormatException();
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CorruptObjectException("repository config has invalid chunker parameters or gear seed");
        }
        if (CompressionLevel is < 0 or > 22 || PackSize < 1024 * 1024 || PackSize > 512 * 1024 * 1024)
        {
            throw new CorruptObjectException("repository config has an invalid compression level or pack size");
        }
    }
}
