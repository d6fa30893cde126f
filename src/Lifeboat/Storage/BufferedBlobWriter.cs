using System.Buffers;

namespace Lifeboat.Storage;

/// <summary>
/// The writer for stores that cannot stream an object of unknown name: collects the bytes in memory and puts them
/// on commit, so every guarantee (and every injected fault) of the store's <see cref="IBlobStore.PutAsync"/> applies.
/// </summary>
public sealed class BufferedBlobWriter(IBlobStore store, BlobKind kind) : IBlobWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <inheritdoc />
    public long Length => _buffer.WrittenCount;

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _buffer.Write(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommitAsync(string name, CancellationToken cancellationToken) =>
        store.PutAsync(new BlobName(kind, name), _buffer.WrittenMemory, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _buffer.Clear();
        return ValueTask.CompletedTask;
    }
}
