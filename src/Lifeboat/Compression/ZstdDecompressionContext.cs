using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Compression;

/// <summary>
/// Owns one native <c>ZSTD_DCtx</c>. A context is not thread-safe: use it from one thread at a time.
/// The context is freed when the handle is disposed or, for a thread's cached context, finalized after the thread ends.
/// </summary>
internal sealed partial class ZstdDecompressionContext : SafeHandleZeroOrMinusOneIsInvalid
{
    private ZstdDecompressionContext(nint handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <summary>Allocates a new context.</summary>
    /// <exception cref="OutOfMemoryException">zstd could not allocate the context.</exception>
    public static ZstdDecompressionContext Create()
    {
        nint handle = ZSTD_createDCtx();
        return handle == 0
            ? throw new OutOfMemoryException("zstd could not allocate a decompression context.")
            : new ZstdDecompressionContext(handle);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        ZSTD_freeDCtx(handle);
        return true;
    }

    [LibraryImport(Zstd.LibraryName)]
    private static partial nint ZSTD_createDCtx();

    [LibraryImport(Zstd.LibraryName)]
    private static partial nuint ZSTD_freeDCtx(nint context);
}
