using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Storage.S3.Buckets;

/// <summary>
/// Restores a bucket snapshot into a bucket (objects with their content type, user metadata and headers, each upload
/// checked by MD5 by the server and against the ETag it returns) or into a directory (files named by key, modified
/// times from the objects). Content is read from the repository verified, as every restore does. Existing objects or
/// files that differ are replaced only with <see cref="BucketRestoreOptions.Overwrite"/>; otherwise the conflict is
/// found before anything is written and the restore fails. A target bucket that does not exist is created first unless
/// <see cref="BucketRestoreOptions.CreateBucket"/> is false. The repository's index must be loaded.
/// </summary>
public sealed class BucketRestorer(Repository.Repository repository)
{
    /// <summary>The name of the manifest a directory restore writes beside the files.</summary>
    public const string DirectoryManifest = ".lifeboat-objects.jsonl";

    /// <summary>The folder of a directory restore that holds the objects whose keys cannot be file paths.</summary>
    public const string DirectoryUnmapped = ".lifeboat-unmapped";

    /// <summary>Restores every object of <paramref name="snapshot"/> under <paramref name="target"/>'s prefix, keys kept relative to the backed-up prefix.</summary>
    public async Task<BucketRestoreResult> ToBucketAsync(Snapshot snapshot, S3Location target, BucketRestoreOptions options, CancellationToken cancellationToken)
    {
        var reader = new SnapshotFileReader(repository);
        var objects = await BucketManifest.ReadAsync(reader, snapshot, cancellationToken);
        var prefix = snapshot.Source.GetValueOrDefault("prefix") ?? "";
        using var bucket = new BucketConnection(target, options.S3);
        var created = options.CreateBucket && await bucket.CreateBucketIfMissingAsync(cancellationToken);
        var existing = new Dictionary<string, (long Size, string ETag)>(StringComparer.Ordinal);
        await foreach (var listed in bucket.ListAsync(cancellationToken))
        {
            existing[listed.Key] = (listed.Size ?? -1, BucketConnection.Unquote(listed.ETag));
        }
        var plan = new List<(BucketObject Entry, string Key)>();
        var conflicts = new List<string>();
        var identical = 0;
        foreach (var entry in objects)
        {
            var key = bucket.KeyPrefix + RelativeKey(entry.Key, prefix);
            if (key.Length == 0)
            {
                // The folder marker "PREFIX/" restored to a bucket's root would have an empty key: there is nothing to write.
                continue;
            }
            if (existing.TryGetValue(key, out var there))
            {
                if (there.Size == entry.Size && there.ETag == entry.ETag)
                {
                    identical++;
                    continue;
                }
                if (!options.Overwrite)
                {
                    conflicts.Add(key);
                }
            }
            plan.Add((entry, key));
        }
        if (conflicts.Count > 0)
        {
            throw new IOException($"{conflicts.Count} object{(conflicts.Count == 1 ? "" : "s")} in {target} differ from the snapshot's "
                + $"({string.Join(", ", conflicts.Take(5))}{(conflicts.Count > 5 ? ", ..." : "")}); nothing was written. "
                + "Restore into another bucket or prefix, or pass --overwrite to replace them");
        }
        var uploader = new ObjectUploader(bucket, reader, snapshot, options.Overwrite);
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (item, ct) => await uploader.UploadAsync(item.Entry, item.Key, ct));
        return new BucketRestoreResult(objects.Count, objects.Sum(o => o.Size), plan.Count, identical, created);
    }

    /// <summary>
    /// Restores every object of <paramref name="snapshot"/> as a file under <paramref name="directory"/>, which must be
    /// new or empty unless <see cref="BucketRestoreOptions.Overwrite"/> is set. Objects whose keys cannot be file paths
    /// go to <see cref="DirectoryUnmapped"/>; the manifest, naming every object's file, to <see cref="DirectoryManifest"/>.
    /// </summary>
    public async Task<BucketRestoreResult> ToDirectoryAsync(Snapshot snapshot, string directory, BucketRestoreOptions options, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        var reader = new SnapshotFileReader(repository);
        var objects = await BucketManifest.ReadAsync(reader, snapshot, cancellationToken);
        if (!options.Overwrite && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new IOException($"{directory} is not empty; restore into a new or empty directory, or pass --overwrite");
        }
        var files = objects.Select(o => (Entry: o, File: FileOf(o))).ToList();
        Directory.CreateDirectory(directory);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var node = await FindAsync(reader, snapshot, item.Entry, ct);
                var path = Path.Combine(directory, item.File);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await reader.RestoreToFileAsync(node, path, options.Overwrite, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct);
                File.SetLastWriteTimeUtc(path, item.Entry.LastModified.UtcDateTime);
            });
        var manifest = Path.Combine(directory, DirectoryManifest);
        var temporary = manifest + ".tmp-" + Guid.NewGuid().ToString("N");
        await using (var lines = await BucketManifest.WriteAsync(objects.Select(o => o with { Path = FileOf(o) }), cancellationToken))
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await lines.CopyToAsync(file, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, manifest, options.Overwrite);
        return new BucketRestoreResult(objects.Count, objects.Sum(o => o.Size), objects.Count, 0);
    }

    /// <summary>The snapshot's file for <paramref name="entry"/>; throws <see cref="CorruptObjectException"/> when it is missing or of another size.</summary>
    internal static async Task<TreeNode> FindAsync(SnapshotFileReader reader, Snapshot snapshot, BucketObject entry, CancellationToken cancellationToken)
    {
        var node = await reader.FindPathAsync(snapshot, entry.Path, cancellationToken);
        if (node is not { Type: TreeNode.File } || node.Size != entry.Size)
        {
            throw new CorruptObjectException($"the snapshot's file {entry.Path} for key {entry.Key} is missing or not {entry.Size} bytes");
        }
        return node;
    }

    private static string RelativeKey(string key, string prefix)
    {
        if (prefix.Length == 0)
        {
            return key;
        }
        if (!key.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            throw new CorruptObjectException($"the manifest lists key {key}, which is not under the backed-up prefix {prefix}");
        }
        return key[(prefix.Length + 1)..];
    }

    // The path below the target directory: a mirrored key keeps its path, any other goes to the unmapped folder.
    private static string FileOf(BucketObject entry)
    {
        var slash = entry.Path.IndexOf('/');
        var (folder, rest) = slash < 0 ? ("", "") : (entry.Path[..slash], entry.Path[(slash + 1)..]);
        if (BucketPaths.IsFilePath(rest) && folder == BucketPaths.ObjectsFolder)
        {
            return rest;
        }
        if (folder == BucketPaths.UnmappedFolder && BucketPaths.IsFilePath(rest) && !rest.Contains('/'))
        {
            return DirectoryUnmapped + "/" + rest;
        }
        throw new CorruptObjectException($"the manifest names {entry.Path} for key {entry.Key}, outside the snapshot's object folders");
    }
}
