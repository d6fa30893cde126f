using System.Collections.Concurrent;
using System.Numerics;

namespace Lifeboat.Repository;

/// <summary>
/// The pool for chunk-, range- and read-sized buffers: one free list per power-of-two size class up to 64 MiB,
/// without per-thread caches (the shared pool keeps a large array per thread that touched it, which multiplies
/// resident memory across thread-pool threads). Arrays are allocated uninitialized, so the unused tail of a
/// size class (a 600 KiB chunk in a 1 MiB array) never becomes resident memory. Every returned array is kept:
/// the pipelines bound how many are out at once, so the pool never holds more than their peak.
/// </summary>
public static class ChunkBuffers
{
    private const int MaxClass = 26; // 64 MiB
    private static readonly ConcurrentBag<byte[]>[] FreeLists = [.. Enumerable.Range(0, MaxClass + 1).Select(_ => new ConcurrentBag<byte[]>())];

    /// <summary>Rents an array of at least <paramref name="minimumLength"/> bytes (contents undefined).</summary>
    public static byte[] Rent(int minimumLength)
    {
        var sizeClass = ClassOf(Math.Max(minimumLength, 1));
        if (sizeClass > MaxClass)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }
        return FreeLists[sizeClass].TryTake(out var array) ? array : GC.AllocateUninitializedArray<byte>(1 << sizeClass);
    }

    /// <summary>Returns an array rented here; arrays of other sizes are left to the garbage collector.</summary>
    public static void Return(byte[] array)
    {
        if (array.Length > 0 && BitOperations.IsPow2(array.Length) && ClassOf(array.Length) <= MaxClass)
        {
            FreeLists[ClassOf(array.Length)].Add(array);
        }
    }

    private static int ClassOf(int length) => BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length));
}
