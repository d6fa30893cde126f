using Lifeboat.Storage;
using Lifeboat.Storage.S3;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Runs the blob store contract against <see cref="S3BlobStore"/> on a real s3rver, each test under a fresh prefix.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3BlobStoreContractTests(S3rverFixture server) : BlobStoreContract, IDisposable
{
    private readonly List<S3BlobStore> _stores = [];

    /// <inheritdoc />
    protected override IBlobStore CreateStore()
    {
        var store = server.NewStore();
        _stores.Add(store);
        return store;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }
}
