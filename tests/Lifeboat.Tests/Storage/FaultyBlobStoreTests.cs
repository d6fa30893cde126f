using Lifeboat.Storage;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Storage;

/// <summary>The fault doubles must inject exactly the faults they document, or tests built on them prove nothing.</summary>
public sealed class FaultyBlobStoreTests
{
    private static readonly BlobName First = new(BlobKind.Pack, "aa01");
    private static readonly BlobName Second = new(BlobKind.Pack, "bb02");
    private static readonly BlobName Third = new(BlobKind.Pack, "cc03");

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task FailPutAfter_lets_that_many_puts_through_and_fails_every_later_one_without_storing_it()
    {
        var inner = new MemoryBlobStore();
        var store = new FaultyBlobStore(inner) { FailPutAfter = 2 };

        await store.PutAsync(First, new byte[1], CancellationToken.None);
        await store.PutAsync(Second, new byte[1], CancellationToken.None);
        var e = await Assert.ThrowsAsync<IOException>(() => store.PutAsync(Third, new byte[1], CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync(Third, new byte[1], CancellationToken.None));

        Assert.StartsWith("injected:", e.Message);
        Assert.Equal(4, store.Puts);
        Assert.Equal([First, Second], inner.Names.OrderBy(n => n.Name));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task DiskFullAfterBytes_refuses_the_put_that_would_exceed_it_like_a_full_disk_and_stores_nothing()
    {
        var inner = new MemoryBlobStore();
        var store = new FaultyBlobStore(inner) { DiskFullAfterBytes = 100 };

        await store.PutAsync(First, new byte[60], CancellationToken.None);
        var e = await Assert.ThrowsAsync<IOException>(() => store.PutAsync(Second, new byte[41], CancellationToken.None));
        await store.PutAsync(Third, new byte[40], CancellationToken.None);

        Assert.Equal("No space left on device", e.Message);
        Assert.Equal(FaultyBlobStore.ENOSPC, e.HResult);
        Assert.Equal([First, Third], inner.Names.OrderBy(n => n.Name));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task FlipBitOnRead_changes_exactly_one_bit_of_matching_objects_and_leaves_the_stored_bytes_alone()
    {
        var inner = new MemoryBlobStore();
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        await inner.PutAsync(First, data, CancellationToken.None);
        await inner.PutAsync(Second, data, CancellationToken.None);
        var store = new FaultyBlobStore(inner) { FlipBitOnRead = name => name == First };

        var flipped = await store.GetAsync(First, CancellationToken.None);
        var range = new byte[100];
        await store.ReadAtAsync(First, 200, range, CancellationToken.None);

        Assert.Equal(1, DifferingBits(data, flipped));
        Assert.Equal(1, DifferingBits(data.AsSpan(200, 100).ToArray(), range));
        Assert.Equal(data, await store.GetAsync(Second, CancellationToken.None));
        Assert.Equal(data, await inner.GetAsync(First, CancellationToken.None));
        Assert.Equal(3, store.Gets);
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task TruncateOnRead_returns_the_first_half_and_fails_ranges_beyond_it()
    {
        var inner = new MemoryBlobStore();
        var data = Enumerable.Range(0, 1001).Select(i => (byte)i).ToArray();
        await inner.PutAsync(First, data, CancellationToken.None);
        var store = new FaultyBlobStore(inner) { TruncateOnRead = _ => true };

        Assert.Equal(data[..500], await store.GetAsync(First, CancellationToken.None));
        await store.ReadAtAsync(First, 400, new byte[100], CancellationToken.None);
        await Assert.ThrowsAsync<EndOfStreamException>(() => store.ReadAtAsync(First, 400, new byte[101], CancellationToken.None));
        Assert.Equal(1001, await store.GetSizeAsync(First, CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task FailReadProbability_fails_about_that_share_of_reads_and_repeats_with_the_same_seed()
    {
        async Task<bool[]> RunAsync()
        {
            var inner = new MemoryBlobStore();
            await inner.PutAsync(First, new byte[10], CancellationToken.None);
            var store = new FaultyBlobStore(inner, seed: 42) { FailReadProbability = 0.3 };
            var outcomes = new bool[1000];
            for (var i = 0; i < outcomes.Length; i++)
            {
                try
                {
                    await store.GetAsync(First, CancellationToken.None);
                }
                catch (IOException e) when (e.Message.StartsWith("injected:", StringComparison.Ordinal))
                {
                    outcomes[i] = true;
                }
            }
            return outcomes;
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.InRange(first.Count(failed => failed), 230, 370);
        Assert.Equal(first, second);
    }

    private static int DifferingBits(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => System.Numerics.BitOperations.PopCount((uint)(x ^ y))).Sum();
    }
}
