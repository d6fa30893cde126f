namespace Lifeboat.Storage;

/// <summary>
/// A new object being written whose name is known only when it is complete (a pack is named by its hash).
/// Nothing is visible under any name until <see cref="CommitAsync"/> returns; disposing without committing discards
/// everything written. Not thread-safe.
/// </summary>
public interface IBlobWriter : IAsyncDisposable
{
    /// <summary>Bytes written so far.</summary>
    long Length { get; }

    /// <summary>Appends bytes.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Stores everything written under <paramref name="name"/>, with the guarantees of <see cref="IBlobStore.PutAsync"/>:
    /// atomic, durable, never overwriting (<see cref="BlobExistsException"/> when the name exists).
    /// </summary>
    Task CommitAsync(string name, CancellationToken cancellationToken);
}
