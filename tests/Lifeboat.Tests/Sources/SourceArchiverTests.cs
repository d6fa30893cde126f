using System.Security.Cryptography;
using Lifeboat.Backup;
using Lifeboat.Crypto;
using Lifeboat.Restore;
using Lifeboat.Sources;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Sources;

public sealed class SourceArchiverTests
{
    /// <summary>A source that writes the given streams, then optionally throws.</summary>
    private sealed class ScriptedSource(IReadOnlyList<(string Name, Func<Stream> Open)> streams, Exception? failAtEnd = null) : ISource
    {
        public string Kind => "scripted";
        public IReadOnlyList<string> Describe() => ["scripted://test"];
        public async Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken)
        {
            foreach (var (name, open) in streams)
            {
                await using var stream = open();
                await sink.AddAsync(name, stream, cancellationToken);
            }
            if (failAtEnd is not null)
            {
                throw failAtEnd;
            }
            return new Dictionary<string, string> { ["version"] = "7" };
        }
    }

    /// <summary>A stream that fails after some bytes, as a dropped connection does.</summary>
    private sealed class BreakingStream(byte[] data, int breakAt) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer)
        {
            if (Position >= breakAt)
            {
                throw new IOException("connection reset by peer");
            }
            return base.Read(buffer[..(int)Math.Min(buffer.Length, breakAt - Position)]);
        }
    }

    [Fact]
    public async Task Streams_round_trip_byte_exact_and_the_source_metadata_is_recorded()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var dump = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var globals = "CREATE ROLE app;\n"u8.ToArray();
        var source = new ScriptedSource([("globals.sql", () => new MemoryStream(globals)), ("db.dump", () => new MemoryStream(dump))]);

        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(source,
            new SourceBackupOptions { Component = "orders-db" }, new BackupProgress(), CancellationToken.None);

        var reopened = await TestRepository.OpenAsync(store);
        var snapshot = await reopened.LoadSnapshotAsync(result.Id, CancellationToken.None);
        Assert.Equal("scripted", snapshot.Source["kind"]);
        Assert.Equal("7", snapshot.Source["version"]);
        Assert.Equal("orders-db", snapshot.Component);
        Assert.Equal(["scripted://test"], snapshot.Paths);
        var reader = new SnapshotFileReader(reopened);
        Assert.Equal(["db.dump", "globals.sql"], (await reader.ListAsync(snapshot, CancellationToken.None)).Select(n => n.Name));
        var copy = new MemoryStream();
        await reader.CopyToAsync(await reader.FindAsync(snapshot, "db.dump", CancellationToken.None), copy, CancellationToken.None);
        Assert.Equal(dump, copy.ToArray());
    }

    [Fact]
    public async Task A_second_backup_of_nearly_the_same_stream_stores_little_new_data()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var day1 = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var day2 = (byte[])day1.Clone();
        RandomNumberGenerator.Fill(day2.AsSpan(2 * 1024 * 1024, 1000));
        var archiver = new SourceArchiver(repository, TimeProvider.System);
        await archiver.RunAsync(new ScriptedSource([("db.dump", () => new MemoryStream(day1))]), new SourceBackupOptions { Component = "db" }, new BackupProgress(), CancellationToken.None);
        var second = new BackupProgress();
        await archiver.RunAsync(new ScriptedSource([("db.dump", () => new MemoryStream(day2))]), new SourceBackupOptions { Component = "db" }, second, CancellationToken.None);
        Assert.InRange(second.NewBytes, 1, 600 * 1024);
    }

    [Fact]
    public async Task A_source_that_throws_after_writing_records_no_snapshot()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var source = new ScriptedSource([("db.dump", () => new MemoryStream(new byte[100_000]))], new IOException("pg_dump exited with code 1"));

        var error = await Assert.ThrowsAsync<IOException>(() => new SourceArchiver(repository, TimeProvider.System).RunAsync(source,
            new SourceBackupOptions { Component = "db" }, new BackupProgress(), CancellationToken.None));

        Assert.Contains("pg_dump exited", error.Message);
        Assert.Empty(await repository.LoadSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_stream_that_breaks_midway_fails_the_backup_with_the_reason_and_records_no_snapshot()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var source = new ScriptedSource([("db.dump", () => new BreakingStream(new byte[5_000_000], 3_000_000))]);

        var error = await Assert.ThrowsAsync<IOException>(() => new SourceArchiver(repository, TimeProvider.System).RunAsync(source,
            new SourceBackupOptions { Component = "db" }, new BackupProgress(), CancellationToken.None));

        Assert.Contains("connection reset by peer", error.Message);
        Assert.Empty(await repository.LoadSnapshotsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Restoring_a_stream_to_a_file_never_replaces_an_existing_file_unless_asked()
    {
        using var temp = new TempDirectory();
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var data = RandomNumberGenerator.GetBytes(200_000);
        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(new ScriptedSource([("x.bin", () => new MemoryStream(data))]),
            new SourceBackupOptions { Component = "x" }, new BackupProgress(), CancellationToken.None);
        var reader = new SnapshotFileReader(repository);
        var node = await reader.FindAsync(result.Snapshot, "x.bin", CancellationToken.None);
        File.WriteAllText(temp["live"], "current");

        await Assert.ThrowsAsync<IOException>(() => reader.RestoreToFileAsync(node, temp["live"], overwrite: false, UnixFileMode.UserRead, CancellationToken.None));
        Assert.Equal("current", File.ReadAllText(temp["live"]));
        await reader.RestoreToFileAsync(node, temp["live"], overwrite: true, UnixFileMode.UserRead | UnixFileMode.UserWrite, CancellationToken.None);

        Assert.Equal(data, File.ReadAllBytes(temp["live"]));
        Assert.Equal(["live"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp["live"]));
    }

    [Fact]
    public async Task A_damaged_chunk_is_reported_when_a_stream_is_read_back()
    {
        var store = new MemoryBlobStore();
        var repository = await TestRepository.InitAsync(store);
        var data = RandomNumberGenerator.GetBytes(500_000);
        var result = await new SourceArchiver(repository, TimeProvider.System).RunAsync(new ScriptedSource([("x.bin", () => new MemoryStream(data))]),
            new SourceBackupOptions { Component = "x" }, new BackupProgress(), CancellationToken.None);
        var reader = new SnapshotFileReader(repository);
        var node = await reader.FindAsync(result.Snapshot, "x.bin", CancellationToken.None);
        // Flip a bit in every pack's first chunk: the stream's content is damaged wherever it lies.
        foreach (var pack in store.Names.Where(n => n.Kind == global::Lifeboat.Storage.BlobKind.Pack))
        {
            var bytes = await store.GetAsync(pack, CancellationToken.None);
            bytes[40] ^= 1;
            store.Replace(pack, bytes);
        }

        await Assert.ThrowsAnyAsync<CorruptObjectException>(() => reader.CopyToAsync(node, Stream.Null, CancellationToken.None));
    }
}
