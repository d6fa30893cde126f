using System.Text;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// The manifest of a bucket snapshot, <c>objects.jsonl</c> at the tree's root: one <see cref="BucketObject"/> per line,
/// UTF-8 JSON, sorted by key (ordinal).
/// </summary>
public static class BucketManifest
{
    /// <summary>The manifest's file name at the snapshot's root.</summary>
    public const string FileName = "objects.jsonl";

    /// <summary>Writes the objects, sorted by key, into a new stream positioned at its start (a file deleted on close).</summary>
    public static async Task<Stream> WriteAsync(IEnumerable<BucketObject> objects, CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), "lifeboat-manifest-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            foreach (var entry in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                await file.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(entry, BucketJson.Default.BucketObject), cancellationToken);
                file.WriteByte((byte)'\n');
            }
            await file.FlushAsync(cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Reads the manifest of <paramref name="snapshot"/>, verified as any file is; throws <see cref="CorruptObjectException"/>
    /// when a line is not a valid entry and <see cref="ArgumentException"/> when the snapshot has no manifest.
    /// </summary>
    public static async Task<List<BucketObject>> ReadAsync(SnapshotFileReader reader, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var node = await reader.FindPathAsync(snapshot, FileName, cancellationToken)
            ?? throw new ArgumentException($"the snapshot holds no {FileName}: it is not a bucket backup");
        var objects = new List<BucketObject>();
        var file = new FileStream(Path.Combine(Path.GetTempPath(), "lifeboat-manifest-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (file)
        {
            await reader.CopyToAsync(node, file, cancellationToken);
            file.Position = 0;
            using var lines = new StreamReader(file, new UTF8Encoding(false, throwOnInvalidBytes: true));
            var number = 0;
            while (await lines.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                objects.Add(Parse(line, number));
            }
        }
        return objects;
    }

    private static BucketObject Parse(string line, int number)
    {
        BucketObject? entry;
        try
        {
            entry = JsonSerializer.Deserialize(line, BucketJson.Default.BucketObject);
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"{FileName} line {number} is not a valid object entry: {e.Message}");
        }
        if (entry is null || entry.Key is null || entry.Path is null || entry.ETag is null || entry.Size < 0)
        {
            throw new CorruptObjectException($"{FileName} line {number} lacks a key, path or ETag, or has a negative size");
        }
        return entry;
    }
}
