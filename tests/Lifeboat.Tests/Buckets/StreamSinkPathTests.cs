using Lifeboat.Backup;
using Lifeboat.Restore;
using Lifeboat.Snapshots;
using Lifeboat.Sources;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Buckets;

/// <summary>What the bucket source needs of the core: streams at nested paths, retries, and content reused from a parent.</summary>
public sealed class StreamSinkPathTests
{
    /// <summary>A source that runs a script against the sink.</summary>
    private sealed class ScriptSource(Func<StreamSink, CancellationToken, Task> script) : ISource
    {
        public string Kind => "script";
        public IReadOnlyList<string> Describe() => ["script://paths"];
        public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
        {
            await script(sink, cancellationToken);
            return new Dictionary<string, string>();
        }
    }

    /// <summary>A stream that fails halfway, as a dropped download does.</summary>
    private sealed class FailingStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) =>
            Position >= Length / 2 ? throw new IOException("connection reset") : base.Read(buffer[..(int)Math.Min(buffer.Length, Length / 2 - Position)]);
    }

    private static Task<BackupResult> RunAsync(global::Lifeboat.Repository.Repository repository, Func<StreamSink, CancellationToken, Task> script) =>
        new SourceArchiver(repository, TimeProvider.System).RunAsync(new ScriptSource(script), new SourceBackupOptions { Component = "paths" },
            new BackupProgress(), CancellationToken.None);

    private static async Task<byte[]> ReadAsync(global::Lifeboat.Repository.Repository repository, Snapshot snapshot, string path)
    {
        var reader = new SnapshotFileReader(repository);
        var node = await reader.FindPathAsync(snapshot, path, CancellationToken.None) ?? throw new FileNotFoundException(path);
        var bytes = new MemoryStream();
        await reader.CopyToAsync(node, bytes, CancellationToken.None);
        return bytes.ToArray();
    }

    [Fact]
    public async Task Streams_at_nested_paths_round_trip_and_a_failed_stream_can_be_added_again()
    {
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var deep = TestData.Random(400_000, 1);
        var modified = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        var result = await RunAsync(repository, async (sink, ct) =>
        {
            await sink.AddAsync("top.txt", new MemoryStream("top"u8.ToArray()), ct);
            await Assert.ThrowsAsync<IOException>(() => sink.AddAsync("a/b/deep.bin", new FailingStream(deep), modified, ct));
            await sink.AddAsync("a/b/deep.bin", new MemoryStream(deep), modified, ct);
            await sink.AddAsync("a/other", new MemoryStream([]), ct);
            await Assert.ThrowsAsync<ArgumentException>(() => sink.AddAsync("a/b", new MemoryStream([1]), ct));
            await Assert.ThrowsAsync<ArgumentException>(() => sink.AddAsync("top.txt/x", new MemoryStream([1]), ct));
            await Assert.ThrowsAsync<ArgumentException>(() => sink.AddAsync("a//c", new MemoryStream([1]), ct));
        });

        Assert.Equal(deep, await ReadAsync(repository, result.Snapshot, "a/b/deep.bin"));
        Assert.Equal("top"u8.ToArray(), await ReadAsync(repository, result.Snapshot, "top.txt"));
        Assert.Empty(await ReadAsync(repository, result.Snapshot, "a/other"));
        var node = await new SnapshotFileReader(repository).FindPathAsync(result.Snapshot, "a/b/deep.bin", CancellationToken.None);
        Assert.Equal(modified.ToUnixTimeMilliseconds() * 1_000_000, node!.MtimeNanos);
        Assert.Null(await new SnapshotFileReader(repository).FindPathAsync(result.Snapshot, "a/missing", CancellationToken.None));
        Assert.Equal(2, result.Snapshot.Summary!.Directories);
    }

    [Fact]
    public async Task Content_of_the_parent_snapshot_is_reused_without_reading_and_the_parent_is_recorded()
    {
        var repository = await TestRepository.InitAsync(new MemoryBlobStore());
        var content = TestData.Random(300_000, 2);
        var first = await RunAsync(repository, (sink, ct) => sink.AddAsync("x/y.bin", new MemoryStream(content), ct));

        var second = await RunAsync(repository, async (sink, ct) =>
        {
            var parent = await sink.FindParentAsync(ct) ?? throw new InvalidOperationException("no parent found");
            var previous = await parent.Files.FindPathAsync(parent.Snapshot, "x/y.bin", ct);
            Assert.NotNull(sink.TryReuse("moved/y.bin", previous!, null));
        });

        Assert.Equal(first.Id.ToString(), second.Snapshot.Parent);
        Assert.Equal(0, second.Snapshot.Summary!.BytesRead);
        Assert.Equal(content, await ReadAsync(repository, second.Snapshot, "moved/y.bin"));
    }
}
