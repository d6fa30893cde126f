using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Storage;

public sealed partial class LocalBlobStore
{
    /// <inheritdoc />
    /// <remarks>The file is opened here: a missing object throws <see cref="BlobNotFoundException"/> at once.</remarks>
    public IBlobReader OpenReader(BlobName name) => new HandleReader(name, OpenForRead(name));

    /// <summary>
    /// Reads an open object file with <c>pread</c> on the caller's thread. A local read is a copy from the page cache
    /// or a short wait for the disk; handing each one to the thread pool (what an asynchronous read of a file does on
    /// Linux) cost a restore more in thread wake-ups than the reads themselves.
    /// </summary>
    private sealed class HandleReader(BlobName name, SafeFileHandle handle) : IBlobReader
    {
        public ValueTask ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            cancellationToken.ThrowIfCancellationRequested();
            var done = 0;
            while (done < destination.Length)
            {
                var read = RandomAccess.Read(handle, destination.Span[done..], offset + done);
                if (read == 0)
                {
                    throw new EndOfStreamException(
                        $"object {name} is {RandomAccess.GetLength(handle)} bytes; cannot read {destination.Length} bytes at offset {offset}");
                }
                done += read;
            }
            return ValueTask.CompletedTask;
        }

        public void Dispose() => handle.Dispose();
    }
}
