using System.Runtime.InteropServices;

namespace Lifeboat.Compression;

/// <summary>
/// One-shot zstd compression of whole buffers through the system <c>libzstd.so.1</c>.
/// Every method is thread-safe: native contexts are taken from a shared pool and returned after each call, so there
/// are never more contexts than calls that ran at once.
/// </summary>
/// <remarks>
/// Frames carry their content size, and a content checksum only when asked for (WAL objects); without it some
/// corruptions decompress to wrong bytes instead of failing, so callers verify the output (chunks by their keyed hash).
/// </remarks>
internal static partial class Zstd
{
    /// <summary>The soname every zstd import in this assembly binds to.</summary>
    internal const string LibraryName = "libzstd.so.1";

    // Values below 100 are pinned by zstd_errors.h since v1.3.1.
    private const int DestinationTooSmallErrorCode = 70;

    // ZSTD_cParameter and ZSTD_ResetDirective values, stable since v1.4.0.
    private const int CompressionLevelParameter = 100;
    private const int ChecksumFlagParameter = 201;
    private const int ResetSessionAndParameters = 3;

    // Contexts are pooled, not per thread: a level-3 context for megabyte inputs holds a few MiB, and tree and chunk
    // work runs on whichever thread-pool thread is free, so per-thread contexts would multiply that by the pool size.
    private static readonly System.Collections.Concurrent.ConcurrentBag<ZstdCompressionContext> CompressionContexts = [];
    private static readonly System.Collections.Concurrent.ConcurrentBag<ZstdDecompressionContext> DecompressionContexts = [];

    private static string? s_version;

    /// <summary>The version of the loaded library, for example <c>1.5.4</c>.</summary>
    public static string Version => s_version ??= Marshal.PtrToStringUTF8(ZSTD_versionString()) ?? string.Empty;

    /// <summary>The largest number of bytes <see cref="Compress"/> can write for a source of the given length.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="sourceLength"/> is negative, or its bound does not fit in an <see cref="int"/>.
    /// </exception>
    public static int CompressBound(int sourceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sourceLength);
        nuint bound = ZSTD_compressBound((nuint)sourceLength);
        if (ZSTD_isError(bound) != 0 || bound > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(sourceLength), sourceLength, "The compressed size of a source this long does not fit in an int.");
        }

        return (int)bound;
    }

    /// <summary>
    /// Compresses <paramref name="source"/> into one zstd frame that records the content size.
    /// A destination of <see cref="CompressBound"/> bytes always suffices.
    /// </summary>
    /// <param name="source">The bytes to compress; may be empty.</param>
    /// <param name="destination">Receives the frame; its contents are undefined after a failure.</param>
    /// <param name="level">A zstd level; zstd clamps out-of-range values to its supported range.</param>
    /// <returns>The number of bytes written to the start of <paramref name="destination"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// zstd failed, including when <paramref name="destination"/> is too small; the message carries zstd's error name.
    /// </exception>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        var written = CompressCore(source, destination, level);
        if (ZSTD_isError(written) != 0)
        {
            throw new InvalidOperationException(
                $"zstd could not compress {source.Length} bytes at level {level} into {destination.Length} bytes: {ErrorName(written)}.");
        }

        return (int)written;
    }

    /// <summary>
    /// Compresses like <see cref="Compress"/>, but returns -1 instead of throwing when the frame does not fit in
    /// <paramref name="destination"/>: callers that store incompressible data raw need no bound-sized buffer.
    /// </summary>
    public static int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level) =>
        TryCompress(source, destination, level, contentChecksum: false);

    /// <summary>
    /// <see cref="TryCompress(ReadOnlySpan{byte}, Span{byte}, int)"/>, with the frame's content checksum when
    /// <paramref name="contentChecksum"/>: the low 32 bits of the content's XXH64 after the last block, which every
    /// decompression then verifies (see <see cref="HasContentChecksum"/>).
    /// </summary>
    public static int TryCompress(ReadOnlySpan<byte> source, Span<byte> destination, int level, bool contentChecksum)
    {
        var written = CompressCore(source, destination, level, contentChecksum);
        if (ZSTD_isError(written) == 0)
        {
            return (int)written;
        }
        if (ZSTD_getErrorCode(written) == DestinationTooSmallErrorCode)
        {
            return -1;
        }
        throw new InvalidOperationException($"zstd could not compress {source.Length} bytes at level {level}: {ErrorName(written)}.");
    }

    /// <summary>Whether <paramref name="frame"/> starts a zstd frame whose header announces a content checksum.</summary>
    public static bool HasContentChecksum(ReadOnlySpan<byte> frame) =>
        // Magic number 0xFD2FB528 (little-endian), then the frame header descriptor, whose bit 2 is the checksum flag.
        frame.Length >= 5 && frame[0] == 0x28 && frame[1] == 0xB5 && frame[2] == 0x2F && frame[3] == 0xFD && (frame[4] & 0x04) != 0;

    private static unsafe nuint CompressCore(ReadOnlySpan<byte> source, Span<byte> destination, int level, bool contentChecksum = false)
    {
        var context = CompressionContexts.TryTake(out var pooled) ? pooled : ZstdCompressionContext.Create();
        try
        {
            fixed (byte* sourcePointer = source)
            fixed (byte* destinationPointer = destination)
            {
                if (!contentChecksum)
                {
                    // Takes the level alone, whatever parameters the context holds.
                    return ZSTD_compressCCtx(
                        context, destinationPointer, (nuint)destination.Length, sourcePointer, (nuint)source.Length, level);
                }
                // Parameters stay on a context until it is reset, and contexts are pooled: reset them afterwards.
                try
                {
                    foreach (var (parameter, value) in (ReadOnlySpan<(int, int)>)[(CompressionLevelParameter, level), (ChecksumFlagParameter, 1)])
                    {
                        if (ZSTD_CCtx_setParameter(context, parameter, value) is var error && ZSTD_isError(error) != 0)
                        {
                            throw new InvalidOperationException($"zstd refused parameter {parameter} = {value}: {ErrorName(error)}.");
                        }
                    }
                    return ZSTD_compress2(context, destinationPointer, (nuint)destination.Length, sourcePointer, (nuint)source.Length);
                }
                finally
                {
                    ZSTD_CCtx_reset(context, ResetSessionAndParameters);
                }
            }
        }
        finally
        {
            CompressionContexts.Add(context);
        }
    }

    /// <summary>Decompresses every zstd frame in <paramref name="source"/>.</summary>
    /// <param name="source">One or more complete frames and nothing else; never empty.</param>
    /// <param name="destination">Receives the content; its contents are undefined after a failure.</param>
    /// <returns>The number of bytes written to the start of <paramref name="destination"/>.</returns>
    /// <exception cref="InvalidDataException">
    /// <paramref name="source"/> is not valid zstd (empty, corrupt, truncated, or followed by other bytes),
    /// or <paramref name="destination"/> cannot hold the content.
    /// </exception>
    public static unsafe int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        // zstd reads an empty source as zero frames and succeeds, which would hide a blob truncated to nothing;
        // Compress never produces an empty source, not even for empty content.
        if (source.IsEmpty)
        {
            throw new InvalidDataException("The source is empty, so it holds no zstd frame.");
        }

        var context = DecompressionContexts.TryTake(out var pooled) ? pooled : ZstdDecompressionContext.Create();
        nuint written;
        try
        {
            fixed (byte* sourcePointer = source)
            fixed (byte* destinationPointer = destination)
            {
                written = ZSTD_decompressDCtx(
                    context, destinationPointer, (nuint)destination.Length, sourcePointer, (nuint)source.Length);
            }
        }
        finally
        {
            DecompressionContexts.Add(context);
        }

        if (ZSTD_isError(written) == 0)
        {
            return (int)written;
        }

        if (ZSTD_getErrorCode(written) == DestinationTooSmallErrorCode)
        {
            long declared = GetFrameContentSize(source);
            string content = declared >= 0 ? $"content of {declared} bytes" : "content";
            throw new InvalidDataException(
                $"The zstd {content} does not fit in a destination of {destination.Length} bytes ({ErrorName(written)}).");
        }

        throw new InvalidDataException(
            $"The {source.Length} bytes are not a valid zstd frame: {ErrorName(written)}.");
    }

    /// <summary>The content size recorded in the header of the first frame of <paramref name="source"/>.</summary>
    /// <returns>The size in bytes, or -1 when the header omits it, is invalid or is incomplete.</returns>
    public static unsafe long GetFrameContentSize(ReadOnlySpan<byte> source)
    {
        ulong size;
        fixed (byte* sourcePointer = source)
        {
            size = ZSTD_getFrameContentSize(sourcePointer, (nuint)source.Length);
        }

        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest ulong values.
        return size > long.MaxValue ? -1 : (long)size;
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(ZSTD_getErrorName(code)) ?? $"error {code}";

    [LibraryImport(LibraryName)]
    private static partial nuint ZSTD_compressBound(nuint sourceSize);

    [LibraryImport(LibraryName)]
    private static unsafe partial nuint ZSTD_compressCCtx(
        ZstdCompressionContext context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize, int level);

    [LibraryImport(LibraryName)]
    private static partial nuint ZSTD_CCtx_setParameter(ZstdCompressionContext context, int parameter, int value);

    [LibraryImport(LibraryName)]
    private static partial nuint ZSTD_CCtx_reset(ZstdCompressionContext context, int directive);

    [LibraryImport(LibraryName)]
    private static unsafe partial nuint ZSTD_compress2(
        ZstdCompressionContext context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize);

    [LibraryImport(LibraryName)]
    private static unsafe partial nuint ZSTD_decompressDCtx(
        ZstdDecompressionContext context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize);

    [LibraryImport(LibraryName)]
    private static unsafe partial ulong ZSTD_getFrameContentSize(byte* source, nuint sourceSize);

    [LibraryImport(LibraryName)]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport(LibraryName)]
    private static partial int ZSTD_getErrorCode(nuint code);

    [LibraryImport(LibraryName)]
    private static partial nint ZSTD_getErrorName(nuint code);

    [LibraryImport(LibraryName)]
    private static partial nint ZSTD_versionString();
}
