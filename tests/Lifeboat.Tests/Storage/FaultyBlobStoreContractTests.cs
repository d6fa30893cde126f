using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>Runs the blob store contract against a <see cref="FaultyBlobStore"/> with no fault configured: it must be transparent.</summary>
public sealed class FaultyBlobStoreContractTests : BlobStoreContract
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore() => new FaultyBlobStore(new MemoryBlobStore());
}
