using System.Numerics;
using System.Runtime.CompilerServices;

namespace Lifeboat.Chunking;

/// <summary>
/// FastCDC-style content-defined chunking with normalized chunk sizes. A boundary depends only on the bytes since
/// the chunk's start, so an insertion shifts boundaries only until the next boundary lines up again.
/// The gear hash is <c>h = (h &lt;&lt; 1) + gear[byte]</c>; a cut is made after a byte where the top bits of h are zero:
/// <c>log2(avg) + 2</c> bits before the average size (harder), <c>log2(avg) - 2</c> bits after it (easier).
/// Immutable and thread-safe.
/// </summary>
public sealed class ContentChunker
{
    private readonly ulong[] _gear;
    private readonly ulong _maskHard;
    private readonly ulong _maskEasy;

    /// <summary>Creates a chunker.</summary>
    public ContentChunker(GearTable table, ChunkerParameters parameters)
    {
        parameters.Validate();
        _gear = table.Values;
        Parameters = parameters;
        var bits = BitOperations.Log2((uint)parameters.AverageSize);
        _maskHard = ulong.MaxValue << (64 - (bits + 2));
        _maskEasy = ulong.MaxValue << (64 - (bits - 2));
    }

    /// <summary>The size bounds.</summary>
    public ChunkerParameters Parameters { get; }

    /// <summary>
    /// The length of the chunk that starts at <paramref name="data"/>[0]. The caller passes at least
    /// <see cref="ChunkerParameters.MaxSize"/> bytes, or all that remains of the input; the result is between 1 and
    /// data.Length (data.Length must be positive).
    /// </summary>
    // Compiled fully optimized on first use: this loop sees every byte backed up, and its tiered and PGO-instrumented
    // versions (a profiling helper call per byte) would run for most of a backup before the final code replaced them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe int NextChunkLength(ReadOnlySpan<byte> data)
    {
        var n = data.Length;
        var min = Parameters.MinSize;
        if (n <= min)
        {
            return n;
        }
        var end = Math.Min(n, Parameters.MaxSize);
        var normal = Math.Min(end, Parameters.AverageSize);
        ulong h = 0;
        var maskHard = _maskHard;
        var maskEasy = _maskEasy;
        fixed (byte* p = data)
        fixed (ulong* gear = _gear)
        {
            // The hard mask up to the average size, then the easy one; four bytes per loop step (each still tested)
            // saves the index arithmetic and loop branch that cost as much as the hash itself.
            var q = p + min;
            var stop = p + normal;
            var mask = maskHard;
            for (var part = 0; part < 2; part++)
            {
                for (; q + 4 <= stop; q += 4)
                {
                    h = (h << 1) + gear[q[0]];
                    if ((h & mask) == 0)
                    {
                        return (int)(q - p) + 1;
                    }
                    h = (h << 1) + gear[q[1]];
                    if ((h & mask) == 0)
                    {
                        return (int)(q - p) + 2;
                    }
                    h = (h << 1) + gear[q[2]];
                    if ((h & mask) == 0)
                    {
                        return (int)(q - p) + 3;
                    }
                    h = (h << 1) + gear[q[3]];
                    if ((h & mask) == 0)
                    {
                        return (int)(q - p) + 4;
                    }
                }
                for (; q < stop; q++)
                {
                    h = (h << 1) + gear[*q];
                    if ((h & mask) == 0)
                    {
                        return (int)(q - p) + 1;
                    }
                }
                stop = p + end;
                mask = maskEasy;
            }
        }
        return end;
    }
}
