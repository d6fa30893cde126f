namespace Lifeboat.Storage;

/// <summary>
/// The store as an append-only key sees it: everything may be read and added, nothing deleted (locks excepted: a
/// session must be able to release its own lock). Objects are never overwritten by any store, so together this means
/// a session with such a key cannot destroy existing backups. For protection against a hostile client, the storage
/// credentials must forbid deletes as well (see docs/cli.md).
/// </summary>
public sealed class AppendOnlyBlobStore(IBlobStore inner) : IBlobStore
{
    /// <inheritdoc />
    public string Location => inner.Location;

    /// <inheritdoc />
    public bool PrefersWholeObjects => inner.PrefersWholeObjects;

    /// <inheritdoc />
    public Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => inner.PutAsync(name, data, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken) => inner.GetAsync(name, cancellationToken);

    /// <inheritdoc />
    public Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        inner.ReadAtAsync(name, offset, destination, cancellationToken);

    /// <inheritdoc />
    public IBlobReader OpenReader(BlobName name) => inner.OpenReader(name);

    /// <inheritdoc />
    public Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken) => inner.GetSizeAsync(name, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, CancellationToken cancellationToken) => inner.ListAsync(kind, cancellationToken);

    /// <inheritdoc />
    public IBlobWriter CreateWriter(BlobKind kind) => inner.CreateWriter(kind);

    /// <inheritdoc />
    public IAsyncEnumerable<PartialObject> ListPartialAsync(CancellationToken cancellationToken) => inner.ListPartialAsync(cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeletePartialAsync(PartialObject partial, DateTimeOffset writtenBefore, CancellationToken cancellationToken) =>
        throw new AppendOnlyException($"this repository was opened with an append-only key, which cannot delete {partial.Path}");

    /// <inheritdoc />
    public Task DeleteAsync(BlobName name, CancellationToken cancellationToken) => name.Kind == BlobKind.Lock
        ? inner.DeleteAsync(name, cancellationToken)
        : throw new AppendOnlyException($"this repository was opened with an append-only key, which cannot delete {name}");
}
