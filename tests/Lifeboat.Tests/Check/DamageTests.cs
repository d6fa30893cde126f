using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Restore;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Check;

/// <summary>Bit flips, truncation and lost objects in a real local repository: check finds them, restore contains them.</summary>
public sealed class DamageTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store;
    private readonly string _source;

    public DamageTests()
    {
        _store = LocalBlobStore.Create(_temp["repo"]);
        _source = _temp["source"];
        for (var i = 0; i < 6; i++)
        {
            // Each file is larger than a pack, so every file owns whole packs and damage to one pack hits one file.
            TestData.Write(Path.Combine(_source, $"file{i}.bin"), TestData.Random(1536 * 1024, i));
        }
    }

    public void Dispose() => _temp.Dispose();

    private async Task<BackupResult> BackupAsync()
    {
        var repository = await TestRepository.InitAsync(_store);
        return await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [_source] }, new BackupProgress(), CancellationToken.None);
    }

    private async Task<CheckReport> CheckAsync(bool readData = true)
    {
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(_store, TestRepository.Password, CancellationToken.None);
        return await new Checker(repository).RunAsync(new CheckOptions { ReadData = readData }, null, CancellationToken.None);
    }

    private async Task<(string Path, ChunkLocation Location)> ChunkOfFileAsync(BackupResult backup, string fileName)
    {
        var repository = await TestRepository.OpenAsync(_store);
        Digest? content = null;
        await new Snapshots.TreeReader(repository).WalkAsync(Digest.Parse(backup.Snapshot.Tree), "/", (path, node) =>
        {
            if (node.Name == fileName)
            {
                content = node.Content![0];
            }
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.True(repository.Index.TryGet(content!.Value, out var location));
        return (Path.Combine(_temp["repo"], new BlobName(BlobKind.Pack, location.Pack.ToString()).RelativePath), location);
    }

    [Fact]
    public async Task A_clean_repository_checks_clean_with_every_chunk_read()
    {
        await BackupAsync();
        var report = await CheckAsync();
        Assert.True(report.IsClean, string.Join("; ", report.Errors));
        Assert.True(report.ChunksRead > 6);
    }

    [Fact]
    public async Task A_flipped_bit_in_a_pack_is_found_and_named_with_its_snapshot_and_file()
    {
        var backup = await BackupAsync();
        var (packPath, location) = await ChunkOfFileAsync(backup, "file3.bin");
        FlipBit(packPath, location.Entry.Offset + 100);

        var report = await CheckAsync();
        Assert.False(report.IsClean);
        var damaged = Assert.Single(report.Damaged);
        Assert.Equal(backup.Id.Short, damaged.Key);
        Assert.Contains(damaged.Value, p => p.Contains("file3.bin"));
        Assert.DoesNotContain(damaged.Value, p => p.Contains("file2.bin"));
    }

    [Fact]
    public async Task Restore_with_a_damaged_chunk_restores_the_other_files_exactly_and_never_writes_the_damaged_one()
    {
        var backup = await BackupAsync();
        var (packPath, location) = await ChunkOfFileAsync(backup, "file1.bin");
        FlipBit(packPath, location.Entry.Offset + 7);

        var repository = await TestRepository.OpenAsync(_store);
        var result = await new Restorer(repository).RunAsync(backup.Snapshot, new RestoreOptions { Target = _temp["restore"] }, new RestoreProgress(), CancellationToken.None);
        var error = Assert.Single(result.Errors);
        Assert.EndsWith("file1.bin", error.Path);
        var restored = _temp["restore"] + _source;
        Assert.False(File.Exists(Path.Combine(restored, "file1.bin")));
        Assert.Empty(Directory.EnumerateFiles(restored, ".lb-*"));
        foreach (var i in new[] { 0, 2, 3, 4, 5 })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_source, $"file{i}.bin")), File.ReadAllBytes(Path.Combine(restored, $"file{i}.bin")));
        }
    }

    [Fact]
    public async Task A_truncated_pack_is_found_without_reading_data()
    {
        var backup = await BackupAsync();
        var (packPath, location) = await ChunkOfFileAsync(backup, "file4.bin");
        using (var stream = new FileStream(packPath, FileMode.Open))
        {
            stream.SetLength(location.Entry.Offset + 10);
        }
        var report = await CheckAsync(readData: false);
        Assert.Contains(report.Errors, e => e.Contains("truncated"));
        Assert.Contains(Assert.Single(report.Damaged).Value, p => p.Contains("file4.bin"));
    }

    [Fact]
    public async Task A_missing_pack_is_reported_and_names_the_files_that_need_it()
    {
        var backup = await BackupAsync();
        var (packPath, _) = await ChunkOfFileAsync(backup, "file0.bin");
        File.Delete(packPath);
        var report = await CheckAsync(readData: false);
        Assert.Contains(report.Errors, e => e.Contains("missing"));
        Assert.Contains(Assert.Single(report.Damaged).Value, p => p.Contains("file0.bin"));
    }

    [Fact]
    public async Task A_tampered_index_is_reported_and_repair_index_rebuilds_it_from_the_packs()
    {
        await BackupAsync();
        var indexPath = Directory.GetFiles(_temp["repo/index"]).Single();
        FlipBit(indexPath, 40);
        var report = await CheckAsync(readData: false);
        Assert.Contains(report.Errors, e => e.Contains("index"));

        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(_store, TestRepository.Password, CancellationToken.None);
        var (indexed, unreadable) = await new IndexRebuilder(repository).RunAsync(CancellationToken.None);
        Assert.Empty(unreadable);
        Assert.True(indexed >= 6);
        var after = await CheckAsync();
        Assert.True(after.IsClean, string.Join("; ", after.Errors));
        Assert.Empty(after.Warnings);
    }

    [Fact]
    public async Task A_damaged_snapshot_is_reported_by_name()
    {
        var backup = await BackupAsync();
        FlipBit(Path.Combine(_temp["repo/snapshots"], backup.Id.ToString()), 50);
        var report = await CheckAsync(readData: false);
        Assert.Contains(report.Errors, e => e.Contains(backup.Id.Short));
    }

    private static void FlipBit(string path, long offset)
    {
        // Objects are written read-only by nobody: open for writing as a disk fault would.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x08));
    }
}
