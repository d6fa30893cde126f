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

    /// <summary>
    /// Seals a chunk whose ID is already known. Verification decrypts and decompresses the sealed chunk back into
    /// <paramref name="plaintext"/> and re-hashes it there, so the caller's buffer doubles as the scratch space (its
    /// content is unchanged when the seal is good; it is undefined after a <see cref="CorruptObjectException"/>).
    /// </summary>
    public SealedChunk Seal(Digest id, ChunkType type, Span<byte> plaintext)
    {
        // Compress straight into the sealed buffer, no larger than the raw chunk (output that does not fit is not
        // worth keeping), and encrypt in place: one buffer per chunk.
        var buffer = ChunkBuffers.Rent(plaintext.Length + SecretBox.Overhead);
        try
        {
            var payload = buffer.AsSpan(SecretBox.NonceSize, plaintext.Length);
            var length = compressionLevel > 0 && plaintext.Length >= 64 && LooksCompressible(plaintext, payload)
                ? _codec.TryCompress(plaintext, payload, compressionLevel) : -1;
            byte flags = PackEntry.Compressed;
            if (length < 0 || length >= plaintext.Length - plaintext.Length / 50)
            {
                plaintext.CopyTo(payload);
                length = plaintext.Length;
                flags = 0;
            }
            Span<byte> aad = stackalloc byte[Digest.Size];
            id.Write(aad);
            var stored = key.Box.SealInPlace(buffer, length, aad);
            var entry = new PackEntry(type, flags, id, 0, (uint)stored, (uint)plaintext.Length);
            var chunk = new SealedChunk(entry, buffer);
            try
            {
                Open(entry, chunk.Bytes, plaintext);
            }
            catch (CorruptObjectException e)
            {
                throw new CorruptObjectException($"self-verification before upload failed, nothing stored: {e.Message}");
            }
            return chunk;
        }
        catch
        {
            ChunkBuffers.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Whether compressing is worth trying: chunks over 64 KiB are probed at three 8 KiB samples (start, middle, end)
    /// with the fastest level; only when none of them shrinks by 3 % is the chunk taken as incompressible (random or
    /// already compressed data), which saves compressing it in full for nothing.
    /// </summary>
    private bool LooksCompressible(ReadOnlySpan<byte> plaintext, Span<byte> scratch)
    {
        const int sample = 8 * 1024;
        if (plaintext.Length <= 64 * 1024)
        {
            return true;
        }
        foreach (var start in (ReadOnlySpan<int>)[0, plaintext.Length / 2 - sample / 2, plaintext.Length - sample])
        {
            var written = _codec.TryCompress(plaintext.Slice(start, sample), scratch[..sample], 1);
            if (written > 0 && written < sample - sample / 32)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Opens a stored chunk into <paramref name="destination"/> (at least <see cref="PackEntry.RawLength"/> bytes) and
    /// checks its ID; returns the plaintext's SHA-256. Throws <see cref="CorruptObjectException"/> when anything does
    /// not match.
    /// </summary>
    public Digest Open(PackEntry entry, ReadOnlySpan<byte> stored, Span<byte> destination)
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
            
            var payload = ChunkBuffers.Rent(Math.Max(0, stored.Length - SecretBox.Overhead));
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
                ChunkBuffers.Return(payload);
            }
        }
        if (key.IdOf(destination[..raw], out var sha256) != entry.Id)
        {
            throw new CorruptObjectException($"chunk {entry.Id.Short} does not match its ID");
        }
        return sha256;
    }
}
