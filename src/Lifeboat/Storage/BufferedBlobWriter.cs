namespace Lifeboat.Storage;

/// <summary>
/// The writer for stores that cannot stream an object of unknown name: collects the bytes in a pooled buffer and puts
/// them on commit, so every guarantee (and every injected fault) of the store's <see cref="IBlobStore.PutAsync"/> applies.
/// </summary>
public sealed class BufferedBlobWriter(IBlobStore store, BlobKind kind) : IBlobWriter
{
    private byte[] _buffer = Repository.ChunkBuffers.Rent(8 * 1024 * 1024);
    private int _length;

    /// <inheritdoc />
    public long Length => _length;

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_length + data.Length > _buffer.Length)
        {
            var larger = Repository.ChunkBuffers.Rent(checked(Math.Max(_buffer.Length * 2, _length + data.Length)));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            Repository.ChunkBuffers.Return(_buffer);
            _buffer = larger;
        }
        data.Span.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommitAsync(string name, CancellationToken cancellationToken) =>
        store.PutAsync(new BlobName(kind, name), _buffer.AsMemory(0, _length), cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            Repository.ChunkBuffers.Return(buffer);
        }
        return ValueTask.CompletedTask;
    }
}
