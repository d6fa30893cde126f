using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Compression;

/// <summary>
/// Owns one native <c>ZSTD_CCtx</c>. A context is not thread-safe: use it from one thread at a time.
/// The context is freed when the handle is disposed or, for a thread's cached context, finalized after the thread ends.
/// </summary>
internal sealed partial class ZstdCompressionContext : SafeHandleZeroOrMinusOneIsInvalid
{
    private ZstdCompressionContext(nint handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <summary>Allocates a new context.</summary>
    /// <exception cref="OutOfMemoryException">zstd could not allocate the context.</exception>
    public static ZstdCompressionContext Create()
    {
        nint handle = ZSTD_createCCtx();
        return handle == 0
            ? throw new OutOfMemoryException("zstd could not allocate a compression context.")
            : new ZstdCompressionContext(handle);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        ZSTD_freeCCtx(handle);
        return true;
    }

    [LibraryImport(Zstd.LibraryName)]
    private static partial nint ZSTD_createCCtx();

    [LibraryImport(Zstd.LibraryName)]
    private static partial nuint ZSTD_freeCCtx(nint context);
}
