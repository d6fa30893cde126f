using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Lifeboat.Storage;

namespace Lifeboat.Testing;

/// <summary>
/// A blob store in memory for tests. Keeps the <see cref="IBlobStore"/> contract (never overwrites, throws
/// <see cref="BlobNotFoundException"/> and <see cref="EndOfStreamException"/> like the local store) and copies bytes in
/// and out, so callers can neither change a stored object through a buffer they hold nor see later tampering in a
/// buffer they already got. Safe for concurrent use.
/// </summary>
public sealed class MemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<BlobName, byte[]> objects = new();

    /// <inheritdoc />
    public string Location => "memory:";

    /// <summary>A snapshot of the names of every stored object.</summary>
    public IReadOnlyCollection<BlobName> Names => objects.Keys.ToArray();

    /// <summary>
    /// Stores <paramref name="data"/> under <paramref name="name"/> whether or not it exists, bypassing the
    /// never-overwrite rule: for tests that corrupt, truncate or forge an object.
    /// </summary>
    public void Replace(BlobName name, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        objects[Normalize(name)] = data.ToArray();
    }

    /// <inheritdoc />
    public Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        name = Normalize(name);
        return objects.TryAdd(name, data.ToArray()) ? Task.CompletedTask : throw new BlobExistsException(name);
    }

    /// <inheritdoc />
    public Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(name).ToArray());
    }

    /// <inheritdoc />
    /// <exception cref="EndOfStreamException">The object ends before the requested range does.</exception>
    public Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        cancellationToken.ThrowIfCancellationRequested();
        var data = Find(name);
        if (offset + destination.Length > data.Length)
        {
            throw new EndOfStreamException(
                $"object {name} is {data.Length} bytes; cannot read {destination.Length} bytes at offset {offset}");
        }

        data.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult((long)Find(name).Length);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Behave like a real store: callers must not depend on the listing completing synchronously.
        await Task.Yield();
        foreach (var (name, data) in objects)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (name.Kind == kind)
            {
                yield return new BlobInfo(name, data.Length);
            }
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(BlobName name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        objects.TryRemove(Normalize(name), out _);
        return Task.CompletedTask;
    }

    private byte[] Find(BlobName name) =>
        objects.TryGetValue(Normalize(name), out var data) ? data : throw new BlobNotFoundException(name);

    // A file-like store keeps one config whatever name the caller used; so must this one.
    private static BlobName Normalize(BlobName name) =>
        name.Kind == BlobKind.Config ? new BlobName(BlobKind.Config, "config") : name;
}
