using System.Security.Cryptography;
using Lifeboat.Backup;
using Lifeboat.Restore;
using Lifeboat.Snapshots;
using Lifeboat.Storage.S3;
using Lifeboat.Storage.S3.Buckets;
using Lifeboat.Testing;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Buckets;

/// <summary>Bucket backups and restores against a real s3rver: every object compared byte-exact, with its metadata.</summary>
[Collection(S3rverCollection.Name)]
public sealed class BucketBackupTests(S3rverFixture server) : IDisposable
{
    private const string Prefix = "data";
    private readonly TempDirectory _temp = new();

    // Keys below the prefix that are not file paths (a trailing '/') or collide (a file "a" where "a/b" needs a
    // directory), and one with spaces and non-ASCII. Keys with "//", "." or ".." parts or names over 255 bytes cannot
    // be stored through the SDK on s3rver (the URL is normalized, or s3rver fails): BucketPathsTests covers them.
    private static readonly string[] OddKeys = ["odd/trailing/", "a", "a/b", "unicode/ü é+x.txt"];

    public void Dispose() => _temp.Dispose();

    private static async Task<(TestBucket Bucket, Dictionary<string, byte[]> Content)> SourceBucketAsync(S3rverFixture server)
    {
        var bucket = await TestBucket.CreateAsync(server, "src");
        var content = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["videos/a/seg1.ts"] = TestData.Random(300_000, 1),
            ["videos/a/seg2.ts"] = TestData.Random(200_000, 2),
            ["videos/b/c/deep.bin"] = TestData.Random(70_000, 3),
            ["empty.txt"] = [],
            ["big/large.bin"] = TestData.Random(20 * 1024 * 1024, 4),
        };
        for (var i = 0; i < OddKeys.Length; i++)
        {
            content[OddKeys[i]] = TestData.Text(1000 + i, 10 + i);
        }
        foreach (var (key, bytes) in content)
        {
            await bucket.PutAsync($"{Prefix}/{key}", bytes,
                key.EndsWith(".ts", StringComparison.Ordinal) ? "video/mp2t" : null,
                key == "videos/a/seg1.ts" ? new Dictionary<string, string> { ["camera"] = "3", ["recorded-by"] = "gate" } : null,
                key == "videos/a/seg2.ts" ? "max-age=60" : null);
        }
        // Outside the prefix: never part of the backup.
        await bucket.PutAsync("other/outside.txt", TestData.Text(10, 99));
        return (bucket, content);
    }

    private static async Task<(BucketSource Source, BackupResult Result)> BackupAsync(global::Lifeboat.Repository.Repository repository, S3Location location)
    {
        var source = new BucketSource(location, S3rverFixture.FastRetries, parallelism: 4);
        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(source,
            new SourceBackupOptions { Component = "videos" }, new BackupProgress(), CancellationToken.None);
        return (source, result);
    }

    private static void AssertSameObjects(SortedDictionary<string, StoredObject> expected, SortedDictionary<string, StoredObject> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, want) in expected)
        {
            var got = actual[key];
            Assert.True(want.Content.AsSpan().SequenceEqual(got.Content), $"content of {key} differs");
            Assert.Equal(want.ContentType, got.ContentType);
            Assert.Equal(want.Metadata, got.Metadata);
            Assert.Equal(want.CacheControl, got.CacheControl);
        }
    }

    [Fact]
    public async Task A_bucket_prefix_restores_into_another_bucket_and_a_directory_byte_exact_with_its_metadata()
    {
        var (source, content) = await SourceBucketAsync(server);
        using var _ = source;
        using var target = await TestBucket.CreateAsync(server, "dst");
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());

        var (bucketSource, result) = await BackupAsync(repository, source.Parse(Prefix));

        Assert.Equal(content.Count, bucketSource.Downloaded);
        Assert.Equal(content.Count.ToString(), result.Snapshot.Source["objects"]);
        Assert.Equal("bucket", result.Snapshot.Source["kind"]);
        Assert.Equal(Prefix, result.Snapshot.Source["prefix"]);
        var original = await source.ReadAllAsync(Prefix + "/");
        Assert.Equal(content.Keys.Order(StringComparer.Ordinal), original.Keys);
        Assert.Equal("3", original["videos/a/seg1.ts"].Metadata["camera"]);

        var restorer = new BucketRestorer(repository);
        var toBucket = await restorer.ToBucketAsync(result.Snapshot, target.Parse("copy"), new BucketRestoreOptions { S3 = Uploads }, CancellationToken.None);
        Assert.Equal(content.Count, toBucket.Written);
        AssertSameObjects(original, await target.ReadAllAsync("copy/"));

        var directory = _temp["restored"];
        await restorer.ToDirectoryAsync(result.Snapshot, directory, new BucketRestoreOptions(), CancellationToken.None);
        var manifest = (await File.ReadAllLinesAsync(Path.Combine(directory, BucketRestorer.DirectoryManifest)))
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<BucketObject>(l)!).ToDictionary(o => o.Key[(Prefix.Length + 1)..]);
        Assert.Equal(content.Keys.Order(StringComparer.Ordinal), manifest.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, bytes) in content)
        {
            var file = Path.Combine(directory, manifest[key].Path);
            var restored = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().SequenceEqual(restored), $"file for {key} differs");
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), manifest[key].ETag);
            // Of "a" and "a/b", the one listed second cannot be a path (s3rver does not list in S3's key order).
            if (BucketPaths.IsFilePath(key) && key is not ("a" or "a/b"))
            {
                Assert.Equal(Path.Combine(directory, key), file);
            }
        }
        Assert.Single(new[] { "a", "a/b" }, k => manifest[k].Path.StartsWith(BucketRestorer.DirectoryUnmapped + "/", StringComparison.Ordinal));
        Assert.StartsWith(BucketRestorer.DirectoryUnmapped + "/", manifest["odd/trailing/"].Path);
        Assert.Equal(content["videos/a/seg1.ts"].Length, manifest["videos/a/seg1.ts"].Size);
        Assert.Equal("video/mp2t", manifest["videos/a/seg1.ts"].ContentType);
        Assert.Equal("gate", manifest["videos/a/seg1.ts"].Metadata!["recorded-by"]);
        Assert.False(File.Exists(Path.Combine(directory, "other", "outside.txt")));
    }

    [Fact]
    public async Task A_second_backup_downloads_only_the_changed_and_the_added_object()
    {
        var (source, content) = await SourceBucketAsync(server);
        using var _ = source;
        using var target = await TestBucket.CreateAsync(server, "dst");
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var (_, first) = await BackupAsync(repository, source.Parse(Prefix));

        await source.PutAsync($"{Prefix}/videos/a/seg2.ts", TestData.Random(200_000, 42), "video/mp2t");
        await source.PutAsync($"{Prefix}/videos/a/seg3.ts", TestData.Random(150_000, 43), "video/mp2t");
        var (second, result) = await BackupAsync(repository, source.Parse(Prefix));

        Assert.Equal(2, second.Downloaded);
        Assert.Equal(content.Count - 1, second.Reused);
        Assert.Equal("2", result.Snapshot.Source["downloaded"]);
        Assert.Equal(first.Id.ToString(), result.Snapshot.Parent);
        await new BucketRestorer(repository).ToBucketAsync(result.Snapshot, target.Parse(), new BucketRestoreOptions { S3 = Uploads }, CancellationToken.None);
        AssertSameObjects(await source.ReadAllAsync(Prefix + "/"), await target.ReadAllAsync());
    }

    [Fact]
    public async Task A_missing_bucket_fails_clearly_and_records_no_snapshot()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var location = S3Location.Parse($"s3:{server.Endpoint.GetLeftPart(UriPartial.Authority)}/no-such-bucket-{Guid.NewGuid():N}"[..60]);

        var error = await Assert.ThrowsAsync<IOException>(() => BackupAsync(repository, location));

        Assert.Contains("does not exist", error.Message);
        Assert.Empty(await (await TestRepository.OpenAsync(store)).LoadSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_clearly_and_records_no_snapshot()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<IOException>(() => BackupAsync(repository, S3Location.Parse($"s3:http://127.0.0.1:{port}/videos")));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Contains("attempts", error.Message);
        Assert.Empty(await (await TestRepository.OpenAsync(store)).LoadSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_empty_prefix_is_refused_rather_than_saved_as_an_empty_backup()
    {
        using var bucket = await TestBucket.CreateAsync(server, "empty");
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());

        var error = await Assert.ThrowsAsync<IOException>(() => BackupAsync(repository, bucket.Parse("nothing-here")));

        Assert.Contains("found no objects", error.Message);
    }

    [Fact]
    public async Task A_restore_never_replaces_a_different_object_without_overwrite_and_writes_nothing_then()
    {
        using var source = await TestBucket.CreateAsync(server, "src");
        await source.PutAsync("x/one.txt", TestData.Text(100, 1));
        await source.PutAsync("x/two.txt", TestData.Text(200, 2));
        using var target = await TestBucket.CreateAsync(server, "dst");
        await target.PutAsync("two.txt", TestData.Text(50, 7));
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var (_, result) = await BackupAsync(repository, source.Parse("x"));
        var restorer = new BucketRestorer(repository);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            restorer.ToBucketAsync(result.Snapshot, target.Parse(), new BucketRestoreOptions { S3 = Uploads }, CancellationToken.None));

        Assert.Contains("two.txt", error.Message);
        Assert.Contains("--overwrite", error.Message);
        Assert.Equal(["two.txt"], (await target.ReadAllAsync()).Keys);
        var replaced = await restorer.ToBucketAsync(result.Snapshot, target.Parse(), new BucketRestoreOptions { S3 = Uploads, Overwrite = true }, CancellationToken.None);
        Assert.Equal(2, replaced.Written);
        AssertSameObjects(await source.ReadAllAsync("x/"), await target.ReadAllAsync());
        var again = await restorer.ToBucketAsync(result.Snapshot, target.Parse(), new BucketRestoreOptions { S3 = Uploads }, CancellationToken.None);
        Assert.Equal(2, again.Identical);
    }

    // Small multipart settings, so the 20 MiB object goes up in parts.
    private static S3BlobStoreOptions Uploads { get; } = S3rverFixture.FastRetries with { MultipartThreshold = 8 * 1024 * 1024, PartSize = 5 * 1024 * 1024 };
}
