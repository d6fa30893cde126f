using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Runs the blob store contract against <see cref="LocalBlobStore"/> in a fresh temporary directory.</summary>
public sealed class LocalBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "lifeboat-test-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    protected override IBlobStore CreateStore() => LocalBlobStore.Create(root);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
