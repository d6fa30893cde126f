using System.Security.Cryptography;
using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Repository;

/// <summary>
/// Writes sealed chunks straight into a new pack object, hashing as it goes, until the pack reaches its target size;
/// <see cref="FinishAsync"/> appends the header and names the pack by its hash. Nothing is visible in the store until
/// the finished pack is committed. Not thread-safe.
/// </summary>
public sealed class PackWriter(IBlobWriter writer, int targetSize) : IAsyncDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackEntry> _entries = [];
    private long _length;
    private bool _handedOver;

    /// <summary>Whether the pack has reached its target size.</summary>
    public bool IsFull => _length >= targetSize;

    /// <summary>Whether no chunk was added.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>Whether adding <paramref name="chunk"/> would take a non-empty pack past its target size.</summary>
    public bool WouldOverflow(SealedChunk chunk) => !IsEmpty && _length + chunk.Entry.StoredLength > targetSize;

    /// <summary>Appends a chunk and disposes it.</summary>
    public async ValueTask AddAsync(SealedChunk chunk, CancellationToken cancellationToken)
    {
        using (chunk)
        {
            _hash.AppendData(chunk.Bytes);
            await writer.WriteAsync(chunk.Memory, cancellationToken);
            _entries.Add(chunk.Entry with { Offset = (uint)_length });
            _length += chunk.Entry.StoredLength;
        }
    }

    /// <summary>Appends the header and hands over the finished, not yet committed, pack with its writer.</summary>
    public async Task<FinishedPack> FinishAsync(SecretBox box, CancellationToken cancellationToken)
    {
        var header = PackHeader.Build(_entries, box);
        _hash.AppendData(header);
        await writer.WriteAsync(header, cancellationToken);
        _handedOver = true;
        return new FinishedPack(Digest.Read(_hash.GetHashAndReset()), writer, _length + header.Length, [.. _entries]);
    }

    /// <summary>Discards the pack unless it was handed over.</summary>
    public async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        if (!_handedOver)
        {
            await writer.DisposeAsync();
        }
    }
}
