using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Runs the blob store contract against <see cref="MemoryBlobStore"/>.</summary>
public sealed class MemoryBlobStoreContractTests : BlobStoreContract
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore() => new MemoryBlobStore();
}
