namespace Lifeboat.Storage;

public sealed partial class LocalBlobStore
{
    /// <inheritdoc />
    public IBlobWriter CreateWriter(BlobKind kind)
    {
        var folder = Path.Combine(root, BlobName.FolderOf(kind));
        EnsureDirectory(folder, createRoot: false);
        return new StreamingWriter(this, kind, Path.Combine(folder, TempPrefix + RandomSuffix()));
    }

    /// <summary>
    /// Streams a new object to a temporary file in its kind's folder, so a pack never has to sit whole in memory;
    /// commit fsyncs it, renames it to its final name without replacing, and fsyncs the folder.
    /// </summary>
    private sealed class StreamingWriter : IBlobWriter
    {
        private readonly LocalBlobStore _store;
        private readonly BlobKind _kind;
        private readonly string _temp;
        private FileStream? _stream;

        public StreamingWriter(LocalBlobStore store, BlobKind kind, string temp)
        {
            _store = store;
            _kind = kind;
            _temp = temp;
            _stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                UnixCreateMode = store.Modes.Writing,
            });
        }

        public long Length { get; private set; }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var stream = _stream ?? throw new InvalidOperationException("the object was already committed or discarded");
            try
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                throw new IOException($"No space left on device while writing a {_kind} object in {_store.root}", e);
            }
            Length += data.Length;
        }

        public Task CommitAsync(string name, CancellationToken cancellationToken)
        {
            var stream = _stream ?? throw new InvalidOperationException("the object was already committed or discarded");
            var blob = new BlobName(_kind, name);
            var path = _store.PathOf(blob);
            try
            {
                // Read-only before it gets its final name: a stored object is never changed again.
                File.SetUnixFileMode(stream.SafeFileHandle, _store.Modes.File);
                _store.Modes.GiveAway(_temp);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                throw new IOException($"No space left on device while storing {blob} in {_store.root}", e);
            }
            stream.Dispose();
            _stream = null;
            var folder = Path.GetDirectoryName(path)!;
            bool moved;
            try
            {
                _store.EnsureDirectory(folder, createRoot: false);
                moved = MoveWithoutReplacing(_temp, path);
            }
            catch
            {
                TryDelete(_temp);
                throw;
            }
            if (!moved)
            {
                TryDelete(_temp);
                throw new BlobExistsException(blob);
            }
            // Not cancellable: the object is under its final name, and returning before the folder is durable would
            // break the contract.
            FsyncDirectory(folder);
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (_stream is { } stream)
            {
                _stream = null;
                await stream.DisposeAsync().ConfigureAwait(false);
                TryDelete(_temp);
            }
        }
    }
}
