using System.Buffers;
using Lifeboat.Compression;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// Turns plaintext chunks into stored form and back. Sealing compresses with zstd (kept only when it saves at least
/// 2 %), encrypts with the chunk ID as associated data, then opens the result again and re-hashes it: a faulty codec
/// or bad memory can never store a chunk that would not restore. Thread-safe.
/// </summary>
public sealed class ChunkSealer(MasterKey key, int compressionLevel, ICompressor? compressor = null)
{
    private readonly ICompressor _codec = compressor ?? ZstdCompressor.Instance;

    /// <summary>Seals a chunk whose ID is already known.</summary>
    public SealedChunk Seal(Digest id, ChunkType type, ReadOnlySpan<byte> plaintext)
    {
        var pool = ArrayPool<byte>.Shared;
        byte[]? compressed = null;
        try
        {
            var payload = plaintext;
            byte flags = 0;
            if (compressionLevel > 0 && plaintext.Length >= 64)
            {
                compressed = pool.Rent(_codec.CompressBound(plaintext.Length));
                var written = _codec.Compress(plaintext, compressed, compressionLevel);
                if (written < plaintext.Length - plaintext.Length / 50)
                {
                    payload = compressed.AsSpan(0, written);
                    flags = PackEntry.Compressed;
                }
            }
            var sealedBuffer = pool.Rent(payload.Length + SecretBox.Overhead);
            Span<byte> aad = stackalloc byte[Digest.Size];
            id.Write(aad);
            var stored = key.Box.Seal(payload, aad, sealedBuffer);
            var entry = new PackEntry(type, flags, id, 0, (uint)stored, (uint)plaintext.Length);
            var chunk = new SealedChunk(entry, sealedBuffer);
            VerifyRoundTrip(entry, chunk.Bytes);
            return chunk;
        }
        finally
        {
            if (compressed is not null)
            {
                pool.Return(compressed);
            }
        }
    }

    /// <summary>
    /// Opens a stored chunk into <paramref name="destination"/> (at least <see cref="PackEntry.RawLength"/> bytes) and
    /// checks its ID. Throws <see cref="CorruptObjectException"/> when anything does not match.
    /// </summary>
    public void Open(PackEntry entry, ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        Span<byte> aad = stackalloc byte[Digest.Size];
        entry.Id.Write(aad);
        var raw = (int)entry.RawLength;
        if (!entry.IsCompressed)
        {
            if (stored.Length - SecretBox.Overhead != raw)
            {
                throw new CorruptObjectException($"chunk {entry.Id.Short} has the wrong stored length");
            }
            key.Box.Open(stored, aad, destination);
        }
        else
        {
            var pool = ArrayPool<byte>.Shared;
            var payload = pool.Rent(Math.Max(0, stored.Length - SecretBox.Overhead));
            try
            {
                var length = key.Box.Open(stored, aad, payload);
                int written;
                try
                {
                    written = _codec.Decompress(payload.AsSpan(0, length), destination[..raw]);
                }
                catch (InvalidDataException e)
                {
                    throw new CorruptObjectException($"chunk {entry.Id.Short} does not decompress: {e.Message}");
                }
                if (written != raw)
                {
                    throw new CorruptObjectException($"chunk {entry.Id.Short} decompressed to {written} bytes, expected {raw}");
                }
            }
            finally
            {
                pool.Return(payload);
            }
        }
        if (key.IdOf(destination[..raw]) != entry.Id)
        {
            throw new CorruptObjectException($"chunk {entry.Id.Short} does not match its ID");
        }
    }

    private void VerifyRoundTrip(PackEntry entry, ReadOnlySpan<byte> stored)
    {
        var scratch = ArrayPool<byte>.Shared.Rent((int)entry.RawLength);
        try
        {
            Open(entry, stored, scratch);
        }
        catch (CorruptObjectException e)
        {
            throw new CorruptObjectException($"self-verification before upload failed, nothing stored: {e.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
