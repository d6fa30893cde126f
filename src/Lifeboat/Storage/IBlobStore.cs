namespace Lifeboat.Storage;

/// <summary>
/// Where a repository's objects live. The contract every implementation keeps:
/// <list type="bullet">
/// <item><see cref="PutAsync"/> is atomic and durable: when it returns, the whole object is stored and survives a crash
/// or power loss; a reader never sees a partial object. An object is never overwritten: putting a name that exists
/// throws <see cref="BlobExistsException"/> (content-addressed callers treat that as success after comparing).</item>
/// <item><see cref="ListAsync"/> returns every object of a kind or throws; it never returns a partial listing.</item>
/// <item>Locks are the one exception to durability: they are advisory and die with their process, so a store may
/// write and delete them without forcing them to disk (they are still atomic and immediately visible).</item>
/// <item>Reads of a missing object throw <see cref="BlobNotFoundException"/>; other failures throw <see cref="IOException"/>.</item>
/// </list>
/// Implementations are safe for concurrent use.
/// </summary>
public interface IBlobStore
{
    /// <summary>A human-readable location (a path or URL) for messages.</summary>
    string Location { get; }

    /// <summary>Stores <paramref name="data"/> under <paramref name="name"/>, atomically and durably.</summary>
    Task PutAsync(BlobName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Reads a whole object.</summary>
    Task<byte[]> GetAsync(BlobName name, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>; throws if the object is shorter.</summary>
    Task ReadAtAsync(BlobName name, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// Opens an object for many ranged reads. The default reads through <see cref="ReadAtAsync"/> each time; a missing
    /// object may be reported here or at the first read.
    /// </summary>
    IBlobReader OpenReader(BlobName name) => new StoreBlobReader(this, name);

    /// <summary>The size of an object in bytes.</summary>
    Task<long> GetSizeAsync(BlobName name, CancellationToken cancellationToken);

    /// <summary>Every object of a kind with its size. Throws rather than returning an incomplete listing.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(BlobKind kind, CancellationToken cancellationToken);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(BlobName name, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a new object of <paramref name="kind"/> to be named when complete. The default collects it in memory
    /// and puts it on commit; stores that can stream it to storage as it is written override this.
    /// </summary>
    IBlobWriter CreateWriter(BlobKind kind) => new BufferedBlobWriter(this, kind);

    /// <summary>
    /// Every <see cref="PartialObject"/>: writes left unfinished by killed or failed writers. Stores whose puts leave
    /// nothing behind (S3, memory) have none. Like <see cref="ListAsync"/>, it throws rather than list in part.
    /// </summary>
    IAsyncEnumerable<PartialObject> ListPartialAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<PartialObject>();

    /// <summary>
    /// Deletes a partial object unless it was written to at or after <paramref name="writtenBefore"/> (looked at again
    /// just before deleting, so a writer that came back to it keeps it). Returns whether it was deleted; one already gone
    /// counts as deleted. A writer whose partial object is deleted fails when it tries to commit it, never silently.
    /// </summary>
    Task<bool> DeletePartialAsync(PartialObject partial, DateTimeOffset writtenBefore, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{Location} keeps no partial objects");

    /// <summary>
    /// Whether each request is costly (a network round trip), so readers should fetch whole packs once rather than
    /// many small ranges. False for local disks.
    /// </summary>
    bool PrefersWholeObjects => false;
}

/// <summary>An object's name and size as a listing reports them.</summary>
public readonly record struct BlobInfo(BlobName Name, long Size);

/// <summary>Thrown when a read names an object that does not exist.</summary>
public sealed class BlobNotFoundException(BlobName name)
    : IOException($"object {name} does not exist")
{
    /// <summary>The missing object.</summary>
    public BlobName Name { get; } = name;
}

/// <summary>Thrown when a put names an object that already exists: objects are never overwritten.</summary>
public sealed class BlobExistsException(BlobName name)
    : IOException($"object {name} already exists and objects are never overwritten")
{
    /// <summary>The existing object.</summary>
    public BlobName Name { get; } = name;
}
