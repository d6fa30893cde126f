using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Lifeboat.Crypto;
using Lifeboat.Repository;

namespace Lifeboat.Backup;

/// <summary>
/// The stages that turn file content into durable packs, connected by bounded channels so memory stays bounded
/// whatever the input: reader (read, chunk) → workers (hash and ID, dedup, compress, encrypt, verify) →
/// packer → uploaders (durable put, then index). Any stage's failure faults <see cref="Failure"/> and cancels the rest.
/// </summary>
internal sealed class BackupPipeline : IAsyncDisposable
{
    private const int ReadBufferSize = 4 * 1024 * 1024;
    private const int IndexFlushPacks = 256;
    // Chunks travel between stages in batches of about this many bytes (a file's last batch may be smaller): one
    // hand-over per chunk cost ~3 context switches per 64 KiB chunk, several percent of a backup's CPU.
    private const int BatchBytes = 1024 * 1024;

    private readonly Repository.Repository _repository;
    private readonly BackupProgress _progress;
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<PendingFile> _files = Channel.CreateBounded<PendingFile>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly Channel<List<ChunkJob>> _chunks;
    private readonly Channel<List<SealedChunk>> _sealed = Channel.CreateBounded<List<SealedChunk>>(new BoundedChannelOptions(2) { SingleReader = true });
    private readonly Channel<FinishedPack> _packs = Channel.CreateBounded<FinishedPack>(new BoundedChannelOptions(1) { SingleWriter = true });
    private readonly Task _reader;
    private readonly Task[] _workers;
    private readonly Task _packer;
    private readonly Task[] _uploaders;
    private int _packsSinceFlush;

    public BackupPipeline(Repository.Repository repository, BackupProgress progress, int workers, CancellationToken cancellationToken)
    {
        _repository = repository;
        _progress = progress;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _chunks = Channel.CreateBounded<List<ChunkJob>>(new BoundedChannelOptions(workers) { SingleWriter = true });
        _reader = Stage(() => Task.Factory.StartNew(ReadFiles, _cancel.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        _workers = [.. Enumerable.Range(0, workers).Select(_ => Stage(() => Task.Run(ProcessChunksAsync)))];
        _packer = Stage(() => Task.Run(PackAsync));
        // Remote stores spend most of an upload waiting on the network: more uploads in flight hide the latency.
        var uploaders = repository.Store.PrefersWholeObjects ? 4 : 2;
        _uploaders = [.. Enumerable.Range(0, uploaders).Select(_ => Stage(() => Task.Run(UploadAsync)))];
    }

    /// <summary>Completes with the first stage's exception; never completes successfully.</summary>
    public Task Failure => _failure.Task;

    /// <summary>Rethrows the first stage failure, if any: the root cause, not the cancellations it set off.</summary>
    public void ThrowIfFailed()
    {
        if (_failure.Task.Exception?.InnerException is { } cause)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
        }
    }

    /// <summary>Cancelled when any stage fails.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Queues a file for reading.</summary>
    public ValueTask QueueFileAsync(PendingFile file) => _files.Writer.WriteAsync(file, _cancel.Token);

    /// <summary>Stores a tree chunk unless the repository already has it; returns its ID.</summary>
    public async ValueTask<Digest> StoreTreeAsync(byte[] json)
    {
        if (json.Length > PackEntry.MaxRawLength)
        {
            throw new InvalidOperationException($"a directory listing is {json.Length} bytes, over the format's {PackEntry.MaxRawLength}-byte limit for one tree; split the directory or exclude part of it");
        }
        var id = _repository.Key.IdOf(json);
        if (_repository.Index.TryClaim(id))
        {
            var sealedChunk = _repository.Sealer.Seal(id, ChunkType.Tree, json);
            _progress.NewChunk(json.Length);
            await _sealed.Writer.WriteAsync([sealedChunk], _cancel.Token);
        }
        return id;
    }

    /// <summary>
    /// Drains every stage after the last file and tree were queued, then writes the index for the new packs.
    /// When this returns, everything queued is durable and indexed.
    /// </summary>
    public async Task CompleteAsync()
    {
        try
        {
            await DrainAsync();
        }
        catch (OperationCanceledException)
        {
            ThrowIfFailed();
            throw;
        }
    }

    private async Task DrainAsync()
    {
        _files.Writer.TryComplete();
        await _reader;
        _chunks.Writer.TryComplete();
        await Task.WhenAll(_workers);
        _sealed.Writer.TryComplete();
        await _packer;
        await Task.WhenAll(_uploaders);
        _progress.Stored(await _repository.FlushIndexAsync(_cancel.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        _files.Writer.TryComplete();
        _chunks.Writer.TryComplete();
        _sealed.Writer.TryComplete();
        _packs.Writer.TryComplete();
        try
        {
            await Task.WhenAll([_reader, .. _workers, _packer, .. _uploaders]);
        }
        catch (Exception)
        {
            // Already reported through Failure; disposal only waits for the stages to stop.
        }
        while (_chunks.Reader.TryRead(out var unread))
        {
            unread.ForEach(job => job.Release());
        }
        while (_sealed.Reader.TryRead(out var unpacked))
        {
            unpacked.ForEach(chunk => chunk.Dispose());
        }
        // Packs finished but never committed are discarded; nothing of them is left under a final name.
        while (_packs.Reader.TryRead(out var unsent))
        {
            await unsent.Writer.DisposeAsync();
        }
        // Leftover claims of a failed run must not hide chunks from a later run in this process.
        _repository.Index.ReleaseClaims();
        _cancel.Dispose();
    }

    private Task Stage(Func<Task> start)
    {
        return Guard(start());

        async Task Guard(Task task)
        {
            try
            {
                await task;
            }
            catch (Exception e)
            {
                _failure.TrySetException(e);
                await _cancel.CancelAsync();
                throw;
            }
        }
    }

    private void ReadFiles()
    {
        byte[]? buffer = null;
        try
        {
            while (_files.Reader.WaitToReadAsync(_cancel.Token).AsTask().GetAwaiter().GetResult())
            {
                while (_files.Reader.TryRead(out var file))
                {
                    // Room for at least two maximum-size chunks, so a boundary search never starves.
                    ReadFile(file, buffer ??= ChunkBuffers.Rent(Math.Max(ReadBufferSize, 2 * _repository.Chunker.Parameters.MaxSize)));
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ChunkBuffers.Return(buffer);
            }
        }
    }

    private void ReadFile(PendingFile file, byte[] buffer)
    {
        long size;
        try
        {
            if (file.Stream is { } stream)
            {
                size = ChunkContent(file, buffer, (span, _) => stream.Read(span));
            }
            else
            {
                using var handle = FileSystem.Posix.OpenSameFile(file.Path, file.Status);
                // Read what the file held when it was scanned: a file that keeps growing (a busy log) still ends.
                var limit = file.Status.Size;
                size = ChunkContent(file, buffer, (span, offset) =>
                {
                    var want = (int)Math.Min(span.Length, limit - offset);
                    return want == 0 ? 0 : RandomAccess.Read(handle, span[..want], offset);
                });
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || (file.Stream is not null && e is not OperationCanceledException))
        {
            // A file that cannot be read is left out; a source stream that fails fails its source, which decides.
            if (file.Stream is null)
            {
                _progress.Errors.Enqueue($"{file.Path}: {e.Message}");
            }
            file.Fail(e);
            return;
        }
        _progress.FileRead();
        file.Finish(size);
    }

    private delegate int ContentRead(Span<byte> destination, long offset);

    /// <summary>Reads content to its end, cutting it into chunks queued for the workers; returns the bytes read.</summary>
    private long ChunkContent(PendingFile file, byte[] buffer, ContentRead read)
    {
        var chunker = _repository.Chunker;
        var max = chunker.Parameters.MaxSize;
        long size = 0;
        var index = 0;
        int filled = 0;
        var eof = false;
        var batch = new List<ChunkJob>();
        var batchBytes = 0;
        try
        {
            while (true)
            {
                while (!eof && filled < buffer.Length)
                {
                    var got = read(buffer.AsSpan(filled), size + filled);
                    if (got == 0)
                    {
                        eof = true;
                    }
                    filled += got;
                }
                var start = 0;
                while (filled > start)
                {
                    var available = filled - start;
                    var length = chunker.NextChunkLength(buffer.AsSpan(start, available));
                    // A boundary depends only on the bytes since the chunk's start, so a cut found before the end
                    // of what was read is final. With less than a maximum chunk read and more to come, a chunk that
                    // runs to the end of the bytes read may go on: those bytes wait for the next fill, which finds
                    // the same cut. Stopping a maximum chunk short of the end instead carried ~2 MiB over per fill.
                    if (length == available && available < max && !eof)
                    {
                        break;
                    }
                    var copy = ChunkBuffers.Rent(length);
                    buffer.AsSpan(start, length).CopyTo(copy);
                    file.ChunkQueued(index);
                    batch.Add(new ChunkJob(file, index++, copy, length));
                    batchBytes += length;
                    start += length;
                    if (batchBytes >= BatchBytes)
                    {
                        WriteBatch(batch);
                        batch = [];
                        batchBytes = 0;
                    }
                }
                size += start;
                _progress.Read(start);
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
                if (eof && filled == 0)
                {
                    if (batch.Count > 0)
                    {
                        WriteBatch(batch);
                        batch = [];
                    }
                    return size;
                }
            }
        }
        finally
        {
            // Chunks of a file whose reading failed (or of a cancelled run) that no worker received.
            batch.ForEach(job => job.Release());
        }
    }

    private void WriteBatch(List<ChunkJob> batch)
    {
        if (!_chunks.Writer.TryWrite(batch))
        {
            _chunks.Writer.WriteAsync(batch, _cancel.Token).AsTask().GetAwaiter().GetResult();
        }
    }

    private async Task ProcessChunksAsync()
    {
        await foreach (var batch in _chunks.Reader.ReadAllAsync(_cancel.Token))
        {
            var hashes = new (Digest Id, Digest Sha256)[batch.Count];
            var sealedChunks = new List<SealedChunk>();
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var job = batch[i];
                    var id = _repository.Key.IdOf(job.Data, out var sha256);
                    hashes[i] = (id, sha256);
                    if (_repository.Index.TryClaim(id))
                    {
                        sealedChunks.Add(_repository.Sealer.Seal(id, ChunkType.Data, job.Data));
                        _progress.NewChunk(job.Length);
                    }
                }
                if (sealedChunks.Count > 0)
                {
                    await _sealed.Writer.WriteAsync(sealedChunks, _cancel.Token);
                }
            }
            catch
            {
                sealedChunks.ForEach(chunk => chunk.Dispose());
                throw;
            }
            finally
            {
                batch.ForEach(job => job.Release());
            }
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].File.ChunkDone(batch[i].Index, hashes[i].Id, hashes[i].Sha256);
            }
        }
    }

    private async Task PackAsync()
    {
        PackWriter? pack = null;
        try
        {
            await foreach (var chunks in _sealed.Reader.ReadAllAsync(_cancel.Token))
            {
                foreach (var chunk in chunks)
                {
                    if (pack is not null && pack.WouldOverflow(chunk))
                    {
                        await SendAsync(pack);
                        pack = null;
                    }
                    pack ??= new PackWriter(_repository.Store.CreateWriter(Storage.BlobKind.Pack), _repository.Config.PackSize);
                    await pack.AddAsync(chunk, _cancel.Token);
                }
            }
            if (pack is { IsEmpty: false })
            {
                await SendAsync(pack);
                pack = null;
            }
            _packs.Writer.TryComplete();
        }
        finally
        {
            if (pack is not null)
            {
                await pack.DisposeAsync();
            }
        }
    }

    private async Task SendAsync(PackWriter pack)
    {
        var finished = await pack.FinishAsync(_repository.Key.Box, _cancel.Token);
        await pack.DisposeAsync();
        try
        {
            await _packs.Writer.WriteAsync(finished, _cancel.Token);
        }
        catch
        {
            await finished.Writer.DisposeAsync();
            throw;
        }
    }

    private async Task UploadAsync()
    {
        await foreach (var pack in _packs.Reader.ReadAllAsync(_cancel.Token))
        {
            await _repository.StorePackAsync(pack, _cancel.Token);
            _progress.Stored(pack.Length);
            if (Interlocked.Increment(ref _packsSinceFlush) % IndexFlushPacks == 0)
            {
                _progress.Stored(await _repository.FlushIndexAsync(_cancel.Token));
            }
        }
    }
}
