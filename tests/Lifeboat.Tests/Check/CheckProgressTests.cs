using Lifeboat.Backup;
using Lifeboat.Check;
using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Check;

/// <summary>The progress a check reports, which the CLI's progress bar shows: it must move, and end full.</summary>
public sealed class CheckProgressTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Not TestRepository.OpenAsync: the checker loads the index itself.
    private static Task<global::Lifeboat.Repository.Repository> OpenAsync(IBlobStore store) =>
        global::Lifeboat.Repository.Repository.OpenAsync(store, TestRepository.Password, CancellationToken.None);

    [Fact]
    public async Task A_check_reports_the_tree_and_pack_bytes_it_verifies_and_ends_with_all_of_them_done()
    {
        var store = LocalBlobStore.Create(_temp["repo"]);
        var repository = await TestRepository.InitAsync(store);
        for (var i = 0; i < 20; i++)
        {
            TestData.Write(_temp[$"source/d{i % 4}/f{i}.bin"], TestData.Random(200_000, i));
        }
        await new Archiver(repository, TimeProvider.System).RunAsync(new BackupOptions { Paths = [_temp["source"]] }, new BackupProgress(), CancellationToken.None);
        var packBytes = 0L;
        await foreach (var pack in store.ListAsync(BlobKind.Pack, CancellationToken.None))
        {
            packBytes += pack.Size;
        }

        var structure = new CheckProgress();
        Assert.True((await new Checker(await OpenAsync(store)).RunAsync(new CheckOptions(), structure, CancellationToken.None)).IsClean);
        Assert.True(structure.BytesDone > 0, "the structure check verified no bytes");
        Assert.Equal(structure.BytesTotal, structure.BytesDone);

        var data = new CheckProgress();
        Assert.True((await new Checker(await OpenAsync(store)).RunAsync(new CheckOptions { ReadData = true }, data, CancellationToken.None)).IsClean);
        Assert.Equal(structure.BytesTotal + packBytes, data.BytesTotal);
        Assert.Equal(data.BytesTotal, data.BytesDone);
        Assert.Equal("checking run records", data.Stage);
    }
}
