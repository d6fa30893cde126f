using Lifeboat.Storage;

namespace Lifeboat.Testing;

/// <summary>
/// Wraps a blob store and injects faults for tests: failing puts, a full disk, bit flips, truncated reads and
/// transient read failures. With no fault configured it passes every call through unchanged. Faults can be set at
/// construction (object initializer) or changed between calls; safe for concurrent use. Injected failures are
/// <see cref="IOException"/>s whose message starts with "injected:" (except the disk-full one, which looks like the
/// real thing), so a test can tell them from genuine ones.
/// </summary>
public sealed class FaultyBlobStore : IBlobStore
{
    /// <summary>The errno Linux reports for a full disk; .NET puts it in <see cref="Exception.HResult"/>.</summary>
    public const int ENOSPC = 28;

    private readonly IBlobStore inner;
    private readonly Random random;
    private readonly Lock gate = new();
    private long storedBytes;
    private int puts;
    private int gets;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="seed"/> makes random faults and flipped bits repeatable.</summary>
    public FaultyBlobStore(IBlobStore inner, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(inner);
        this.inner = inner;
        random = new Random(seed);
    }

    /// <summary>
    /// When set to N, the first N puts (counting every call, failed or not) reach the inner store and every later put
    /// throws an <see cref="IOException"/> without storing anything. 0 fails every put; null (the default) none.
    /// </summary>
    public int? FailPutAfter { get; set; }

    /// <summary>
    /// When set, the total size of objects stored through this wrapper may not exceed this many bytes: a put that
    /// would exceed it stores nothing and throws an <see cref="IOException"/> with message "No space left on device"
    /// and <see cref="Exception.HResult"/> <see cref="ENOSPC"/>, as .NET reports a full disk on Linux.
    /// Deletes do not give space back. Null (the default) means unlimited.
    /// </summary>
    public long? DiskFullAfterBytes { get; set; }

    /// <summary>
    /// Objects for which this returns true come back from <see cref="GetAsync"/> and <see cref="ReadAtAsync"/> with
    /// one bit flipped, at a position chosen by the seeded random source (nothing is flipped in an empty result).
    /// The stored object is unchanged. Null (the default) flips nothing.
    /// </summary>
    public Func<BlobName, bool>? FlipBitOnRead { get; set; }

    /// <summary>
    /// Objects for which this returns true read as if only their first half (rounded down) had arrived:
    /// <see cref="GetAsync"/> returns that half and <see cref="ReadAtAsync"/> throws <see cref="EndOfStreamException"/>
    /// for a range that goes past it. Sizes and listings still report the stored size, as with a cut-off download.
    /// Null (the default) truncates nothing.
    /// </summary>
    public Func<BlobName, bool>? TruncateOnRead { get; set; }

    /// <summary>
    /// The probability, from 0 to 1, that a <see cref="GetAsync"/> or <see cref="ReadAtAsync"/> call throws a transient
    /// <see cref="IOException"/> before reaching the inner store; drawn from the seeded random source. Default 0.
    /// </summary>
    public double FailReadProbability
    {
        get;
        set => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>The number of <see cref="PutAsync"/> calls so far, including failed ones.</summary>
    public int Puts => Volatile.Read(ref puts);

    /// <summary>The number of <see cref="GetAsync"/> and <see cref="ReadAtAsync"/> calls so far, including failed ones.</summary>
    public int Gets => Volatile.Read(ref gets);

    /// <inheritdoc />
    public string Location => "faulty:" + inner.Location;

    /// <inheritdoc />
    public async Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref puts);
        if (number > FailPutAfter)
        {
            throw new IOException($"injected: put {number} of {name} fails (FailPutAfter = {FailPutAfter})");
        }

        var reserved = 0L;
        if (DiskFullAfterBytes is { } limit)
        {
            lock (gate)
            {
                if (storedBytes + data.Length > limit)
                {
                    throw new IOException("No space left on device", ENOSPC);
                }
                storedBytes += data.Length;
                reserved = data.Length;
            }
        }

        try
        {
            await inner.PutAsync(name, data, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (gate)
            {
                storedBytes -= reserved;
            }
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken)
    {
        BeforeRead(name);
        var data = await inner.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (TruncateOnRead?.Invoke(name) == true)
        {
            data = data[..(data.Length / 2)];
        }
        FlipBitIfAsked(name, data);
        return data;
    }

    /// <inheritdoc />
    public async Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        BeforeRead(name);
        if (TruncateOnRead?.Invoke(name) == true)
        {
            var size = await inner.GetSizeAsync(name, cancellationToken).ConfigureAwait(false);
            if (offset + destination.Length > size / 2)
            {
                throw new EndOfStreamException(
                    $"injected: object {name} truncated to {size / 2} bytes; cannot read {destination.Length} bytes at offset {offset}");
            }
        }

        await inner.ReadAtAsync(name, offset, destination, cancellationToken).ConfigureAwait(false);
        FlipBitIfAsked(name, destination.Span);
    }

    /// <inheritdoc />
    public Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken) =>
        inner.GetSizeAsync(name, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (BeforeList is { } hook)
        {
            await hook(kind, cancellationToken);
        }
        await foreach (var info in inner.ListAsync(kind, cancellationToken))
        {
            yield return info;
        }
    }

    /// <summary>
    /// Awaited before each listing starts, with the kind listed: a test runs another writer there (a backup committing
    /// between two listings of a reader) to make a race happen every time. Null (the default) runs nothing.
    /// </summary>
    public Func<BlobKind, CancellationToken, Task>? BeforeList { get; set; }

    /// <inheritdoc />
    public IAsyncEnumerable<PartialObject> ListPartialAsync(CancellationToken cancellationToken) =>
        inner.ListPartialAsync(cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeletePartialAsync(PartialObject partial, DateTimeOffset writtenBefore, CancellationToken cancellationToken) =>
        inner.DeletePartialAsync(partial, writtenBefore, cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(BlobName name, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref deletes);
        if (number > FailDeleteAfter)
        {
            throw new IOException($"injected: delete {number} of {name} fails (FailDeleteAfter = {FailDeleteAfter})");
        }
        return inner.DeleteAsync(name, cancellationToken);
    }

    /// <summary>When set, the first N deletes succeed and every later one throws (a crash mid-way through deletions).</summary>
    public int? FailDeleteAfter { get; set; }

    private int deletes;

    private void BeforeRead(BlobName name)
    {
        Interlocked.Increment(ref gets);
        if (FailReadProbability > 0 && NextDouble() < FailReadProbability)
        {
            throw new IOException($"injected: transient failure reading {name}");
        }
    }

    private void FlipBitIfAsked(BlobName name, Span<byte> data)
    {
        if (data.IsEmpty || FlipBitOnRead?.Invoke(name) != true)
        {
            return;
        }

        long bit;
        lock (gate)
        {
            bit = random.NextInt64(data.Length * 8L);
        }
        data[(int)(bit / 8)] ^= (byte)(1 << (int)(bit % 8));
    }

    private double NextDouble()
    {
        lock (gate)
        {
            return random.NextDouble();
        }
    }
}
