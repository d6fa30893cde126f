using Lifeboat.Backup;
using Lifeboat.Chunking;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Backup;

/// <summary>
/// The backup pipeline reads a file in buffer-sized steps and cuts chunks inside each step; its chunks must be exactly
/// those of the chunker run over the whole content at once, or a repository would stop deduplicating against itself.
/// </summary>
public sealed class ChunkBoundaryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<int, int, int> Parameters => new()
    {
        { 16 * 1024, 64 * 1024, 256 * 1024 },
        // A maximum chunk of about half the pipeline's 4 MiB read buffer: cuts at the maximum cross every fill.
        { 16 * 1024, 64 * 1024, 2 * 1024 * 1024 - 4096 },
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public async Task A_backed_up_file_has_the_chunks_of_its_whole_content_cut_at_once(int min, int average, int max)
    {
        // Random bytes cut near the average, zeros that run to the maximum, text in between, over several read buffers.
        byte[] content = [.. TestData.Random(3 * 1024 * 1024 + 17, 1), .. new byte[5 * 1024 * 1024 + 5], .. TestData.Text(4_500_000, 2)];
        var source = _temp["source"];
        TestData.Write(Path.Combine(source, "data.bin"), content);
        var store = LocalBlobStore.Create(_temp["repo"]);
        await TestRepository.InitAsync(store, new ChunkerParameters(min, average, max));
        var repository = await TestRepository.OpenAsync(store);

        var backup = await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [source] }, new BackupProgress(), CancellationToken.None);

        Assert.Empty(backup.Errors);
        TreeNode? file = null;
        await new TreeReader(repository).WalkAsync(TreeReader.ParseId(backup.Snapshot.Tree), "/", (path, node) =>
        {
            file = node.Name == "data.bin" ? node : file;
            return Task.CompletedTask;
        }, CancellationToken.None);
        var expected = new List<Digest>();
        var lengths = new List<int>();
        for (var start = 0; start < content.Length;)
        {
            var length = repository.Chunker.NextChunkLength(content.AsSpan(start, Math.Min(max, content.Length - start)));
            expected.Add(repository.Key.IdOf(content.AsSpan(start, length)));
            lengths.Add(length);
            start += length;
        }
        Assert.Contains(max, lengths);
        Assert.Equal(expected, file?.Content);
    }
}
