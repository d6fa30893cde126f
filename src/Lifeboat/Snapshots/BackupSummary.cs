using System.Text.Json.Serialization;

namespace Lifeboat.Snapshots;

/// <summary>What a backup run read and stored.</summary>
public sealed record BackupSummary
{
    /// <summary>Files in the snapshot.</summary>
    [JsonPropertyName("files")] public long Files { get; init; }
    /// <summary>Directories in the snapshot.</summary>
    [JsonPropertyName("directories")] public long Directories { get; init; }
    /// <summary>Files whose content was read (new or changed).</summary>
    [JsonPropertyName("filesRead")] public long FilesRead { get; init; }
    /// <summary>Total size of the files in the snapshot.</summary>
    [JsonPropertyName("totalBytes")] public long TotalBytes { get; init; }
    /// <summary>Bytes read from the source.</summary>
    [JsonPropertyName("bytesRead")] public long BytesRead { get; init; }
    /// <summary>Plaintext bytes of chunks new to the repository.</summary>
    [JsonPropertyName("newBytes")] public long NewBytes { get; init; }
    /// <summary>Bytes written to the repository (packs and indexes).</summary>
    [JsonPropertyName("storedBytes")] public long StoredBytes { get; init; }
    /// <summary>Chunks new to the repository.</summary>
    [JsonPropertyName("newChunks")] public long NewChunks { get; init; }
    /// <summary>Wall-clock seconds.</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
}
