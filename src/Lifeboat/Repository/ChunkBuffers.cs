using System.Buffers;

namespace Lifeboat.Repository;

/// <summary>
/// The pool for chunk-, range- and pack-sized buffers (up to 64 MiB). A bounded pool without per-thread caches:
/// the shared pool keeps a large array per thread that touched it, which with multi-MiB ranges on many thread-pool
/// threads multiplies resident memory. It keeps up to 32 arrays per size class, more than the pipelines ever hold at once, so a return never drops an array (a dropped large array is garbage that inflates memory until a full collection).
/// </summary>
public static class ChunkBuffers
{
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(64 * 1024 * 1024, 32);

    /// <summary>Rents an array of at least <paramref name="minimumLength"/> bytes.</summary>
    public static byte[] Rent(int minimumLength) => Pool.Rent(minimumLength);

    /// <summary>Returns an array rented here.</summary>
    public static void Return(byte[] array) => Pool.Return(array);
}
