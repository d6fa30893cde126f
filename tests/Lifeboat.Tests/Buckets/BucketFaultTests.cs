using Lifeboat.Backup;
using Lifeboat.Storage.S3;
using Lifeboat.Storage.S3.Buckets;
using Lifeboat.Testing;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Buckets;

/// <summary>Bucket backups and restores through a proxy that fails requests and corrupts uploads on purpose.</summary>
[Collection(S3rverCollection.Name)]
public sealed class BucketFaultTests(S3rverFixture server)
{
    private static async Task<TestBucket> FillAsync(S3rverFixture server)
    {
        var bucket = await TestBucket.CreateAsync(server, "src");
        for (var i = 0; i < 24; i++)
        {
            await bucket.PutAsync($"seg/{i % 3}/part{i:D2}.ts", TestData.Random(50_000 + i * 7_000, 100 + i), "video/mp2t",
                new Dictionary<string, string> { ["index"] = i.ToString() });
        }
        await bucket.PutAsync("seg/large.bin", TestData.Random(9 * 1024 * 1024, 7));
        return bucket;
    }

    private static string Through(S3FaultProxy proxy, TestBucket bucket, string prefix = "") =>
        $"s3:{proxy.Endpoint.GetLeftPart(UriPartial.Authority)}/{bucket.Name}" + (prefix.Length == 0 ? "" : "/" + prefix);

    [Fact]
    public async Task A_backup_and_a_restore_through_an_error_storm_complete_byte_exact()
    {
        using var source = await FillAsync(server);
        using var target = await TestBucket.CreateAsync(server, "dst");
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 7) { FaultRate = 0.3, MaxFaultsPerRequest = 3 };
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());

        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(
            new BucketSource(S3Location.Parse(Through(proxy, source, "seg")), S3rverFixture.FastRetries, parallelism: 8),
            new SourceBackupOptions { Component = "segments" }, new BackupProgress(), CancellationToken.None);
        await new BucketRestorer(repository).ToBucketAsync(result.Snapshot, S3Location.Parse(Through(proxy, target, "back")),
            new BucketRestoreOptions { S3 = S3rverFixture.FastRetries with { MultipartThreshold = 6 * 1024 * 1024, PartSize = 5 * 1024 * 1024 } },
            CancellationToken.None);

        Assert.True(proxy.Faults >= 5, $"{proxy.Faults} faults in {proxy.Requests} requests");
        var expected = await source.ReadAllAsync("seg/");
        var actual = await target.ReadAllAsync("back/");
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, want) in expected)
        {
            Assert.True(want.Content.AsSpan().SequenceEqual(actual[key].Content), $"content of {key} differs");
            Assert.Equal(want.Metadata, actual[key].Metadata);
            Assert.Equal(want.ContentType, actual[key].ContentType);
        }
    }

    [Fact]
    public async Task Uploads_corrupted_on_the_way_are_caught_by_their_ETag_and_sent_again()
    {
        using var source = await FillAsync(server);
        using var target = await TestBucket.CreateAsync(server, "dst");
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(
            new BucketSource(source.Parse("seg"), S3rverFixture.FastRetries), new SourceBackupOptions { Component = "segments" },
            new BackupProgress(), CancellationToken.None);
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 3) { CorruptNextPuts = 2 };

        await new BucketRestorer(repository).ToBucketAsync(result.Snapshot, S3Location.Parse(Through(proxy, target)),
            new BucketRestoreOptions { S3 = S3rverFixture.FastRetries, Parallelism = 1 }, CancellationToken.None);

        Assert.Equal(2, proxy.Corrupted);
        var expected = await source.ReadAllAsync("seg/");
        var actual = await target.ReadAllAsync();
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, want) in expected)
        {
            Assert.True(want.Content.AsSpan().SequenceEqual(actual[key].Content), $"content of {key} differs");
        }
    }

    [Fact]
    public async Task Downloads_cut_off_midway_resume_and_damaged_ones_are_fetched_again_so_the_backup_is_byte_exact()
    {
        using var source = await FillAsync(server);
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 5) { CutNextGetBodies = 4, CorruptNextGetBodies = 2 };
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var bucketSource = new BucketSource(S3Location.Parse(Through(proxy, source, "seg")), S3rverFixture.FastRetries, parallelism: 4);

        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(bucketSource,
            new SourceBackupOptions { Component = "segments" }, new BackupProgress(), CancellationToken.None);

        Assert.Equal((0, 0), (proxy.CutNextGetBodies, proxy.CorruptNextGetBodies));
        Assert.Equal(25, bucketSource.Downloaded);
        var directory = Directory.CreateTempSubdirectory("lifeboat-bucket-").FullName;
        try
        {
            await new BucketRestorer(repository).ToDirectoryAsync(result.Snapshot, directory, new BucketRestoreOptions(), CancellationToken.None);
            foreach (var (key, stored) in await source.ReadAllAsync("seg/"))
            {
                var restored = await File.ReadAllBytesAsync(Path.Combine(directory, key));
                Assert.True(stored.Content.AsSpan().SequenceEqual(restored), $"{key} differs");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_multipart_upload_completed_but_answered_with_an_error_is_recognized_as_done()
    {
        using var source = await TestBucket.CreateAsync(server, "src");
        var large = TestData.Random(12 * 1024 * 1024, 9);
        await source.PutAsync("x/large.bin", large, "application/x-test");
        using var target = await TestBucket.CreateAsync(server, "dst");
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(
            new BucketSource(source.Parse("x"), S3rverFixture.FastRetries), new SourceBackupOptions { Component = "large" },
            new BackupProgress(), CancellationToken.None);
        await using var proxy = new S3FaultProxy(server.Endpoint, seed: 11) { LoseNextCompletions = 1 };

        await new BucketRestorer(repository).ToBucketAsync(result.Snapshot, S3Location.Parse(Through(proxy, target)),
            new BucketRestoreOptions { S3 = S3rverFixture.FastRetries with { MultipartThreshold = 6 * 1024 * 1024, PartSize = 5 * 1024 * 1024 } },
            CancellationToken.None);

        Assert.Equal(0, proxy.LoseNextCompletions);
        var restored = await target.ReadAllAsync();
        Assert.Equal(large, restored["large.bin"].Content);
        Assert.Equal("application/x-test", restored["large.bin"].ContentType);
    }
}
