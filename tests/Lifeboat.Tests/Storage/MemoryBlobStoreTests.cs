using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>What <see cref="MemoryBlobStore"/> offers tests beyond the shared contract.</summary>
public sealed class MemoryBlobStoreTests
{
    private static readonly BlobName Pack = new(BlobKind.Pack, "aa01");

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Replace_overwrites_an_object_that_a_put_may_not()
    {
        var store = new MemoryBlobStore();
        await store.PutAsync(Pack, new byte[] { 1, 2, 3 }, CancellationToken.None);

        store.Replace(Pack, [9, 9]);

        Assert.Equal(new byte[] { 9, 9 }, await store.GetAsync(Pack, CancellationToken.None));
        Assert.Equal([Pack], store.Names);
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Every_config_name_addresses_the_one_config_object_as_in_a_directory()
    {
        var store = new MemoryBlobStore();
        await store.PutAsync(new BlobName(BlobKind.Config, "config"), new byte[] { 1 }, CancellationToken.None);

        await Assert.ThrowsAsync<BlobExistsException>(
            () => store.PutAsync(new BlobName(BlobKind.Config, "other"), new byte[] { 2 }, CancellationToken.None));
    }
}
