using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.Compression;
using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// The WAL archive inside a repository: one <see cref="BlobKind.Wal"/> object per archived file, named
/// <c>&lt;system identifier&gt;-&lt;file name&gt;</c>, plus one <c>cluster-&lt;component&gt;</c> record per component.
/// An object is <c>u32le H | sealed header (H bytes) | sealed zstd payload</c>; both parts are sealed with associated
/// data that names the object, so an object moved under another name fails to open. See docs/repository-format.md.
/// </summary>
public sealed class WalArchive(Repository.Repository repository)
{
    private const int MaxHeaderBytes = 4096;

    // Header version 2: the content is checked by the zstd frame's checksum, not by a SHA-256 in the header. Hashing
    // 16 MiB cost about a sixth of archiving a segment; the checksum costs a fiftieth, the payload is authenticated by
    // its seal, and the push still decompresses the frame and compares it with the file before storing it.
    private const int ChecksummedVersion = 2;
    private const string ClusterPrefix = "cluster-";

    // Reused across the pushes of a batch (two at a time): each 16 MiB segment needs its content, the object and a
    // buffer for the decompression check; fresh arrays of that size cost page faults and zeroing on every segment.
    // The shared pool keeps arrays of these sizes and gives them back to the system when memory is short or they
    // lie unused, so a long-lived process holds nothing for good.
    private static ArrayPool<byte> Buffers => ArrayPool<byte>.Shared;

    /// <summary>The object name of an archived WAL file.</summary>
    public static BlobName ObjectName(ulong systemIdentifier, string fileName) => new(BlobKind.Wal, $"{systemIdentifier}-{fileName}");

    /// <summary>The components that have archived WAL into this repository, sorted.</summary>
    public async Task<IReadOnlyList<string>> ComponentsAsync(CancellationToken cancellationToken)
    {
        var components = new List<string>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Wal, cancellationToken))
        {
            if (info.Name.Name.StartsWith(ClusterPrefix, StringComparison.Ordinal))
            {
                components.Add(info.Name.Name[ClusterPrefix.Length..]);
            }
        }
        return [.. components.Order(StringComparer.Ordinal)];
    }

    /// <summary>The component's cluster record, or null when nothing was archived for it yet.</summary>
    public async Task<ClusterRecord?> FindClusterAsync(string component, CancellationToken cancellationToken)
    {
        var name = ClusterName(component);
        byte[] stored;
        try
        {
            stored = await repository.Store.GetAsync(name, cancellationToken);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
        var plain = repository.Key.Box.Open(stored, Aad("cluster", name));
        try
        {
            return JsonSerializer.Deserialize(plain, WalJson.Default.ClusterRecord) ?? throw new CorruptObjectException($"{name} is empty");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"{name} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Returns the component's cluster record, creating it for this cluster when there is none. Throws
    /// <see cref="WalConflictException"/> when the component belongs to another cluster.
    /// </summary>
    public async Task<ClusterRecord> BindAsync(string component, ulong systemIdentifier, long segmentSize, CancellationToken cancellationToken)
    {
        var existing = await FindClusterAsync(component, cancellationToken);
        if (existing is null)
        {
            var record = new ClusterRecord
            {
                Component = component, SystemIdentifier = systemIdentifier, SegmentSize = segmentSize,
                Created = DateTimeOffset.UtcNow, Host = Environment.MachineName,
            };
            var name = ClusterName(component);
            try
            {
                await repository.Store.PutAsync(name, repository.Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(record, WalJson.Default.ClusterRecord), Aad("cluster", name)), cancellationToken);
                return record;
            }
            catch (BlobExistsException)
            {
                // Another push bound it first: compare with what it recorded.
                existing = await FindClusterAsync(component, cancellationToken) ?? throw new IOException($"{name} exists but cannot be read");
            }
        }
        if (existing.SystemIdentifier != systemIdentifier)
        {
            throw new WalConflictException($"component '{component}' archives the cluster with system identifier {existing.SystemIdentifier}, "
                + $"not {systemIdentifier}; archive this cluster under another component (--component) or into another repository");
        }
        return existing;
    }

    /// <summary>
    /// Archives the file at <paramref name="path"/> for <paramref name="component"/>. Returns true when stored now,
    /// false when the same content was already archived (PostgreSQL retries after a failure it did not see end).
    /// Returns only once the object is durable. Throws <see cref="WalConflictException"/> for another content under
    /// the same name or a segment from another cluster; nothing is stored then.
    /// </summary>
    public async Task<bool> PushAsync(string path, string component, CancellationToken cancellationToken) =>
        (await PushFileAsync(path, component, completedNanos: null, forMarker: false, cancellationToken)).Stored;

    /// <summary>
    /// <see cref="PushAsync"/>, also returning what a <see cref="WalSpool"/> marker records: the file's stamp while the
    /// content now durable in the repository was read, or, when no stamp could vouch for it (see
    /// <see cref="WalFileStamp.ReadAll"/>), that content's lowercase hex SHA-256 (null otherwise).
    /// <paramref name="completedNanos"/> is when the file's writer declared it complete (see
    /// <see cref="WalFileStamp.ReadAll"/>), or null when unknown.
    /// </summary>
    public Task<(bool Stored, string? Sha256, WalFileStamp? Stamp)> PushFileAsync(string path, string component, long? completedNanos, CancellationToken cancellationToken) =>
        PushFileAsync(path, component, completedNanos, forMarker: true, cancellationToken);

    // The hash is computed only for a marker that needs it (forMarker and no stamp): it costs a sixth of the push.
    private async Task<(bool Stored, string? Sha256, WalFileStamp? Stamp)> PushFileAsync(string path, string component, long? completedNanos, bool forMarker, CancellationToken cancellationToken)
    {
        var file = WalFileName.Parse(Path.GetFileName(path));
        var (buffer, length, stamp) = WalFileStamp.ReadAll(path, Buffers, completedNanos);
        try
        {
            if (length == 0)
            {
                throw new InvalidDataException($"{path} is empty; PostgreSQL never archives an empty file");
            }
            var content = buffer.AsMemory(0, length);
            bool stored;
            try
            {
                stored = await PushContentAsync(path, file, content, component, cancellationToken);
            }
            catch (WalConflictException e)
            {
                // PostgreSQL only logs a failing archive_command and retries it for ever: recorded in the repository,
                // the refusal reaches 'status' on any host, which the server's log does not.
                await new WalRefusals(repository).RecordAsync(component, file.Name, e, cancellationToken);
                throw;
            }
            return (stored, forMarker && stamp is null ? Convert.ToHexStringLower(SHA256.HashData(content.Span)) : null, stamp);
        }
        finally
        {
            Buffers.Return(buffer);
        }
    }

    /// <summary>
    /// The header of a WAL segment beside <paramref name="path"/>, newest name first, or null when none can be read:
    /// a history or backup file is archived before any segment when archiving starts into a new repository, and
    /// PostgreSQL retries the oldest file until it succeeds, so refusing it would stop archiving for good. Every
    /// segment in one pg_wal folder belongs to the same cluster.
    /// </summary>
    private static WalSegmentHeader? NeighbourSegmentHeader(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        IEnumerable<string> names;
        try
        {
            names = [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>()
                .Where(n => WalFileName.TryParse(n) is { Kind: WalFileKind.Segment }).OrderDescending(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        Span<byte> start = stackalloc byte[WalSegmentHeader.Size];
        foreach (var name in names)
        {
            try
            {
                using var segment = File.OpenRead(Path.Combine(folder, name));
                segment.ReadExactly(start);
                return WalSegmentHeader.Read(start, name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // A segment being recycled or removed meanwhile: try the next one.
            }
        }
        return null;
    }

    // True when stored now, false when the same content was archived before.
    private async Task<bool> PushContentAsync(string path, WalFileName file, ReadOnlyMemory<byte> content, string component, CancellationToken cancellationToken)
    {
        ClusterRecord cluster;
        if (file.Kind is WalFileKind.Segment or WalFileKind.Partial)
        {
            var header = WalSegmentHeader.Read(content.Span, path);
            if (file.Kind == WalFileKind.Segment && content.Length != header.SegmentSize)
            {
                throw new InvalidDataException($"{path} is {content.Length} bytes but its header says segments are {header.SegmentSize} bytes");
            }
            var expected = file.SegmentNumber(header.SegmentSize) * (ulong)header.SegmentSize;
            if (header.PageAddress != expected)
            {
                throw new InvalidDataException($"{path} holds WAL from position {new Lsn(header.PageAddress)}, not {new Lsn(expected)} as its name says");
            }
            cluster = await BindAsync(component, header.SystemIdentifier, header.SegmentSize, cancellationToken);
        }
        else
        {
            cluster = await FindClusterAsync(component, cancellationToken)
                ?? (NeighbourSegmentHeader(path) is { } neighbour ? await BindAsync(component, neighbour.SystemIdentifier, neighbour.SegmentSize, cancellationToken) : null)
                ?? throw new WalConflictException($"no WAL segment of component '{component}' was archived yet, so {file.Name} cannot be tied to its cluster; archive a segment first");
        }
        var name = ObjectName(cluster.SystemIdentifier, file.Name);
        if (await HoldsAsync(cluster.SystemIdentifier, file.Name, cancellationToken))
        {
            return await SameOrThrowAsync(cluster.SystemIdentifier, file, content, cancellationToken);
        }
        var walHeader = new WalHeader
        {
            Version = ChecksummedVersion, File = file.Name, SystemIdentifier = cluster.SystemIdentifier, Size = content.Length,
            FrameChecksum = true, Archived = DateTimeOffset.UtcNow,
        };
        var (sealedObject, sealedLength) = Seal(name, walHeader, content.Span);
        try
        {
            await repository.Store.PutAsync(name, sealedObject.AsMemory(0, sealedLength), cancellationToken);
            return true;
        }
        catch (BlobExistsException)
        {
            return await SameOrThrowAsync(cluster.SystemIdentifier, file, content, cancellationToken);
        }
        finally
        {
            Buffers.Return(sealedObject);
        }
    }

    /// <summary>Whether the archive holds <paramref name="fileName"/> of cluster <paramref name="systemIdentifier"/> (only that an object exists).</summary>
    public async Task<bool> HoldsAsync(ulong systemIdentifier, string fileName, CancellationToken cancellationToken)
    {
        try
        {
            await repository.Store.GetSizeAsync(ObjectName(systemIdentifier, WalFileName.Parse(fileName).Name), cancellationToken);
            return true;
        }
        catch (BlobNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Restores an archived file to <paramref name="destination"/> (temporary name, verified, flushed, renamed). Returns
    /// false at once when it is not archived; throws <see cref="CorruptObjectException"/> when it is damaged.
    /// </summary>
    public async Task<bool> FetchAsync(ulong systemIdentifier, string fileName, string destination, CancellationToken cancellationToken)
    {
        var file = WalFileName.Parse(fileName);
        var name = ObjectName(systemIdentifier, file.Name);
        byte[] stored;
        try
        {
            stored = await repository.Store.GetAsync(name, cancellationToken);
        }
        catch (BlobNotFoundException)
        {
            return false;
        }
        var (header, content) = Open(name, stored);
        if (header.File != file.Name || header.SystemIdentifier != systemIdentifier)
        {
            throw new CorruptObjectException($"{name} holds {header.File} of cluster {header.SystemIdentifier}");
        }
        destination = Path.GetFullPath(destination);
        var temporary = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.lifeboat-{Guid.NewGuid():N}");
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                await output.WriteAsync(content, cancellationToken);
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return true;
    }

    /// <summary>Every archived file of the cluster, from one listing: its name and stored size.</summary>
    public async Task<IReadOnlyList<(WalFileName File, long StoredBytes)>> ListAsync(ulong systemIdentifier, CancellationToken cancellationToken)
    {
        var prefix = systemIdentifier + "-";
        var files = new List<(WalFileName, long)>();
        await foreach (var info in repository.Store.ListAsync(BlobKind.Wal, cancellationToken))
        {
            if (info.Name.Name.StartsWith(prefix, StringComparison.Ordinal) && WalFileName.TryParse(info.Name.Name[prefix.Length..]) is { } file)
            {
                files.Add((file, info.Size));
            }
        }
        return [.. files.OrderBy(f => f.Item1.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Copies <paramref name="fileName"/> of cluster <paramref name="systemIdentifier"/> from <paramref name="source"/>
    /// into this archive: read and verified there, sealed again under this repository's key with its original header
    /// (its archive time among it, which recovery reach is judged by), verified again and stored. Returns its size in
    /// bytes; throws <see cref="WalConflictException"/> when this archive holds other content under the name.
    /// </summary>
    internal async Task<long> CopyFromAsync(WalArchive source, ulong systemIdentifier, string fileName, CancellationToken cancellationToken)
    {
        var name = ObjectName(systemIdentifier, fileName);
        var (header, content) = await source.ReadObjectAsync(name, cancellationToken);
        if (header.File != fileName || header.SystemIdentifier != systemIdentifier)
        {
            throw new CorruptObjectException($"{name} holds {header.File} of cluster {header.SystemIdentifier}");
        }
        var copy = header with { Version = ChecksummedVersion, FrameChecksum = true, Sha256 = null };
        var (sealedObject, sealedLength) = Seal(name, copy, content);
        try
        {
            await repository.Store.PutAsync(name, sealedObject.AsMemory(0, sealedLength), cancellationToken);
        }
        catch (BlobExistsException)
        {
            await SameOrThrowAsync(systemIdentifier, WalFileName.Parse(fileName), content, cancellationToken);
        }
        finally
        {
            Buffers.Return(sealedObject);
        }
        return content.Length;
    }

    /// <summary>
    /// Stores <paramref name="record"/> (read from another archive) as this archive's record of its component, unless
    /// the same binding is there; throws <see cref="WalConflictException"/> when the component archives another cluster here.
    /// </summary>
    internal async Task AdoptClusterAsync(ClusterRecord record, CancellationToken cancellationToken)
    {
        if (await FindClusterAsync(record.Component, cancellationToken) is { } existing)
        {
            if (existing.SystemIdentifier != record.SystemIdentifier)
            {
                throw new WalConflictException($"component '{record.Component}' archives the cluster with system identifier {existing.SystemIdentifier} in the destination, "
                    + $"not {record.SystemIdentifier} as in the source; its WAL was not copied");
            }
            return;
        }
        var name = ClusterName(record.Component);
        try
        {
            await repository.Store.PutAsync(name, repository.Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(record, WalJson.Default.ClusterRecord), Aad("cluster", name)), cancellationToken);
        }
        catch (BlobExistsException)
        {
            // Bound at the same moment by a push or another copy: check it the same way.
            await AdoptClusterAsync(record, cancellationToken);
        }
    }

    /// <summary>Reads and authenticates an archived file's header only (two small ranged reads).</summary>
    public async Task<WalHeader> ReadHeaderAsync(ulong systemIdentifier, string fileName, CancellationToken cancellationToken)
    {
        var name = ObjectName(systemIdentifier, fileName);
        var length = new byte[4];
        await repository.Store.ReadAtAsync(name, 0, length, cancellationToken);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (headerLength is <= SecretBox.Overhead or > MaxHeaderBytes)
        {
            throw new CorruptObjectException($"{name} has an implausible header length {headerLength}");
        }
        var sealedHeader = new byte[headerLength];
        await repository.Store.ReadAtAsync(name, 4, sealedHeader, cancellationToken);
        return OpenHeader(name, sealedHeader);
    }

    // PostgreSQL pushes a file again when it did not see the first push succeed: the same content is success (false:
    // nothing stored now), other content a conflict. A version 1 object is compared by the SHA-256 its header records,
    // a later one by its whole content, fetched and verified (a rare path, so exact rather than cheap).
    private async Task<bool> SameOrThrowAsync(ulong systemIdentifier, WalFileName file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var name = ObjectName(systemIdentifier, file.Name);
        bool same;
        string archived;
        try
        {
            var header = await ReadHeaderAsync(systemIdentifier, file.Name, cancellationToken);
            if (header.Sha256 is { } recorded)
            {
                archived = $"SHA-256 {recorded[..16]}…";
                same = recorded == Convert.ToHexStringLower(SHA256.HashData(content.Span));
            }
            else
            {
                var (_, stored) = Open(name, await repository.Store.GetAsync(name, cancellationToken));
                archived = $"{stored.Length} bytes";
                same = stored.AsSpan().SequenceEqual(content.Span);
            }
        }
        catch (BlobNotFoundException)
        {
            throw new IOException($"{name} was archived a moment ago but cannot be read now; nothing was stored");
        }
        catch (CorruptObjectException e)
        {
            throw new WalConflictException($"{name} is already archived but damaged ({e.Message}); run 'lifeboat wal check' and remove it by hand only once you know why");
        }
        return same
            ? false
            : throw new WalConflictException($"{file.Name} is already archived with different content (archived: {archived}; this file: {content.Length} bytes); "
                + "two clusters may be archiving into one component, or a restored copy is archiving into its origin's archive; nothing was stored");
    }

    // The sealed object, in a buffer rented from Buffers (the caller returns it), and its length. The payload is
    // compressed straight into its place in the object and encrypted there.
    private (byte[] Buffer, int Length) Seal(BlobName name, WalHeader header, ReadOnlySpan<byte> content)
    {
        var headerPlain = JsonSerializer.SerializeToUtf8Bytes(header, WalJson.Default.WalHeader);
        var sealedHeaderLength = headerPlain.Length + SecretBox.Overhead;
        var dataStart = 4 + sealedHeaderLength;
        // zstd's bound is size + size/256 + a small margin; this is more.
        var bound = content.Length + (content.Length >> 7) + 4096;
        var buffer = Buffers.Rent(dataStart + SecretBox.Overhead + bound);
        try
        {
            var compressed = buffer.AsSpan(dataStart + SecretBox.NonceSize, bound);
            var compressedLength = ZstdCompressor.Instance.TryCompressWithChecksum(content, compressed, repository.Config.CompressionLevel);
            if (compressedLength < 0)
            {
                throw new IOException($"compressing {header.File} failed");
            }
            // Self-verification: the codec's output must carry the checksum the header promises and give back the file
            // before anything is stored.
            if (!ZstdCompressor.HasContentChecksum(compressed[..compressedLength]))
            {
                throw new IOException($"compressing {header.File} gave a frame without its content checksum; nothing was stored");
            }
            if (!RoundTrips(compressed[..compressedLength], content))
            {
                throw new IOException($"compressing {header.File} did not round-trip; nothing was stored");
            }
            BinaryPrimitives.WriteInt32LittleEndian(buffer, sealedHeaderLength);
            repository.Key.Box.Seal(headerPlain, Aad("header", name), buffer.AsSpan(4, sealedHeaderLength));
            var sealedDataLength = repository.Key.Box.SealInPlace(buffer.AsSpan(dataStart), compressedLength, Aad("data", name));
            return (buffer, dataStart + sealedDataLength);
        }
        catch
        {
            Buffers.Return(buffer);
            throw;
        }
    }

    private static bool RoundTrips(ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> content)
    {
        var decompressed = Buffers.Rent(content.Length);
        try
        {
            var length = ZstdCompressor.Instance.Decompress(compressed, decompressed.AsSpan(0, content.Length));
            return length == content.Length && decompressed.AsSpan(0, length).SequenceEqual(content);
        }
        catch (InvalidDataException)
        {
            return false;
        }
        finally
        {
            Buffers.Return(decompressed);
        }
    }

    private async Task<(WalHeader Header, byte[] Content)> ReadObjectAsync(BlobName name, CancellationToken cancellationToken) =>
        Open(name, await repository.Store.GetAsync(name, cancellationToken));

    private (WalHeader Header, byte[] Content) Open(BlobName name, byte[] stored)
    {
        var headerLength = stored.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(stored) : -1;
        if (headerLength is <= SecretBox.Overhead or > MaxHeaderBytes || stored.Length < 4 + headerLength + SecretBox.Overhead)
        {
            throw new CorruptObjectException($"{name} is truncated or not an archived WAL file");
        }
        var header = OpenHeader(name, stored.AsSpan(4, headerLength));
        byte[] content;
        try
        {
            var compressed = repository.Key.Box.Open(stored.AsSpan(4 + headerLength), Aad("data", name));
            if (header.FrameChecksum && !ZstdCompressor.HasContentChecksum(compressed))
            {
                throw new CorruptObjectException($"{name} has no content checksum in its frame, though its header says so");
            }
            content = Decompress(compressed, header.Size);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptObjectException($"{name} does not decompress: {e.Message}");
        }
        if (content.Length != header.Size)
        {
            throw new CorruptObjectException($"{name} holds {content.Length} bytes, not the {header.Size} its header records");
        }
        if (header.Sha256 is { } sha256 && Convert.ToHexStringLower(SHA256.HashData(content)) != sha256)
        {
            throw new CorruptObjectException($"{name} does not match the SHA-256 its header records");
        }
        return (header, content);
    }

    private WalHeader OpenHeader(BlobName name, ReadOnlySpan<byte> sealedHeader)
    {
        var plain = repository.Key.Box.Open(sealedHeader, Aad("header", name));
        WalHeader header;
        try
        {
            header = JsonSerializer.Deserialize(plain, WalJson.Default.WalHeader) ?? throw new CorruptObjectException($"{name} has an empty header");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"{name} has a header that is not valid JSON: {e.Message}");
        }
        return header switch
        {
            { Version: 1, Sha256.Length: 64 } or { Version: ChecksummedVersion, FrameChecksum: true } => header,
            { Version: 1 or ChecksummedVersion } => throw new CorruptObjectException($"{name} has a version {header.Version} header without its content check"),
            _ => throw new CorruptObjectException($"{name} has a header of version {header.Version}, which this Lifeboat cannot read (written by a newer one?)"),
        };
    }

    private static byte[] Decompress(ReadOnlySpan<byte> compressed, long size)
    {
        if (size is < 0 or > 1024 * 1024 * 1024)
        {
            throw new InvalidDataException($"a WAL file of {size} bytes is implausible");
        }
        var content = new byte[size];
        var length = ZstdCompressor.Instance.Decompress(compressed, content);
        return length == size ? content : throw new InvalidDataException($"decompressed {length} bytes, expected {size}");
    }

    private static BlobName ClusterName(string component)
    {
        if (component.Length == 0 || component.Length > 100 || !component.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{component}' is not a valid component name: use letters, digits, '-', '_' and '.'");
        }
        return new BlobName(BlobKind.Wal, ClusterPrefix + component);
    }

    private static byte[] Aad(string part, BlobName name) => Encoding.UTF8.GetBytes($"lifeboat-wal-{part}\n{name.Name}");
}
