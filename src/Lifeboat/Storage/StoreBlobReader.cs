namespace Lifeboat.Storage;

/// <summary>The reader of stores without a cheaper way: every read is a <see cref="IBlobStore.ReadAtAsync"/>.</summary>
internal sealed class StoreBlobReader(IBlobStore store, BlobName name) : IBlobReader
{
    /// <inheritdoc />
    public async ValueTask ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        await store.ReadAtAsync(name, offset, destination, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing is held between reads.
    }
}
