using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lifeboat.Storage;
using Xunit;

namespace Lifeboat.Testing;

/// <summary>
/// The <see cref="IBlobStore"/> contract as tests: every implementation gets a concrete subclass that says how to make
/// an empty store. xunit creates a new instance per test, so <see cref="CreateStore"/> is called once per test; a
/// subclass that needs cleanup implements <see cref="IDisposable"/>.
/// </summary>
public abstract class BlobStoreContract
{
    private static readonly BlobKind[] AllKinds = Enum.GetValues<BlobKind>();

    /// <summary>Returns a new, empty store (for file-like stores: created, with no objects).</summary>
    protected abstract IBlobStore CreateStore();

    /// <summary>See the test name.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_537)]
    [InlineData(20 * 1024 * 1024)]
    public async Task Put_then_get_returns_identical_bytes(int size)
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);
        var data = Bytes(size, seed: size);

        await store.PutAsync(name, data, CancellationToken.None);

        Assert.Equal(data, await store.GetAsync(name, CancellationToken.None));
        Assert.Equal(size, await store.GetSizeAsync(name, CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Objects_of_every_kind_read_back_under_their_own_names()
    {
        var store = CreateStore();
        var stored = AllKinds.Select((kind, i) => (Name: NewName(kind), Data: Bytes(100 + i, seed: i))).ToArray();

        foreach (var (name, data) in stored)
        {
            await store.PutAsync(name, data, CancellationToken.None);
        }

        foreach (var (name, data) in stored)
        {
            Assert.Equal(data, await store.GetAsync(name, CancellationToken.None));
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Putting_an_existing_name_throws_BlobExistsException_and_leaves_the_original_intact()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Snapshot);
        var original = Bytes(1000, seed: 1);
        await store.PutAsync(name, original, CancellationToken.None);

        var e = await Assert.ThrowsAsync<BlobExistsException>(
            () => store.PutAsync(name, Bytes(2000, seed: 2), CancellationToken.None));

        Assert.Equal(name, e.Name);
        Assert.Equal(original, await store.GetAsync(name, CancellationToken.None));
        Assert.Equal([new BlobInfo(name, original.Length)], await ListAsync(store, BlobKind.Snapshot));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Concurrent_puts_of_one_name_store_exactly_one_of_them_whole()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);
        var candidates = Enumerable.Range(0, 8).Select(i => Bytes(256 * 1024, seed: 100 + i)).ToArray();

        var outcomes = await Task.WhenAll(candidates.Select(data => Task.Run(async () =>
        {
            try
            {
                await store.PutAsync(name, data, CancellationToken.None);
                return data;
            }
            catch (BlobExistsException)
            {
                return null;
            }
        })));

        var winner = Assert.Single(outcomes, o => o is not null);
        Assert.Equal(winner, await store.GetAsync(name, CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Reading_a_missing_name_throws_BlobNotFoundException()
    {
        var store = CreateStore();
        var present = NewName(BlobKind.Pack);
        await store.PutAsync(present, Bytes(10, seed: 1), CancellationToken.None);
        // One missing pack shares the present pack's fan-out folder, one most likely does not.
        var missing = new[] { new BlobName(BlobKind.Pack, present.Name[..2] + new string('0', 62)), NewName(BlobKind.Pack), NewName(BlobKind.Index), NewName(BlobKind.Config) };

        foreach (var name in missing)
        {
            var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetAsync(name, CancellationToken.None));
            Assert.Equal(name, e.Name);
            await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetSizeAsync(name, CancellationToken.None));
            await Assert.ThrowsAsync<BlobNotFoundException>(
                () => store.ReadAtAsync(name, 0, new byte[1], CancellationToken.None));
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task ReadAt_returns_exactly_the_requested_range()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);
        var data = Bytes(100_000, seed: 7);
        await store.PutAsync(name, data, CancellationToken.None);

        foreach (var (offset, length) in new[] { (0, 100_000), (0, 1), (99_999, 1), (12_345, 54_321), (100_000, 0), (500, 0) })
        {
            var destination = new byte[length + 2];
            destination[0] = 0xAA;
            destination[^1] = 0xBB;

            await store.ReadAtAsync(name, offset, destination.AsMemory(1, length), CancellationToken.None);

            Assert.Equal(data.AsSpan(offset, length), destination.AsSpan(1, length));
            Assert.Equal(0xAA, destination[0]);
            Assert.Equal(0xBB, destination[^1]);
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task ReadAt_past_the_end_throws_EndOfStreamException()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);
        await store.PutAsync(name, Bytes(1000, seed: 3), CancellationToken.None);

        await Assert.ThrowsAsync<EndOfStreamException>(() => store.ReadAtAsync(name, 990, new byte[11], CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(() => store.ReadAtAsync(name, 0, new byte[1001], CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(() => store.ReadAtAsync(name, 5000, new byte[1], CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task An_opened_reader_returns_the_requested_ranges_in_any_order_and_throws_past_the_end()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);
        var data = Bytes(100_000, seed: 11);
        await store.PutAsync(name, data, CancellationToken.None);

        using var reader = store.OpenReader(name);
        foreach (var (offset, length) in new[] { (12_345, 54_321), (0, 1), (99_999, 1), (0, 100_000), (100_000, 0) })
        {
            var destination = new byte[length];
            await reader.ReadAtAsync(offset, destination, CancellationToken.None);
            Assert.Equal(data.AsSpan(offset, length).ToArray(), destination);
        }
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await reader.ReadAtAsync(99_990, new byte[11], CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task A_reader_of_a_missing_object_throws_BlobNotFoundException_when_opened_or_read()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Pack);

        var e = await Assert.ThrowsAsync<BlobNotFoundException>(async () =>
        {
            using var reader = store.OpenReader(name);
            await reader.ReadAtAsync(0, new byte[1], CancellationToken.None);
        });
        Assert.Equal(name, e.Name);
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Listing_returns_exactly_the_names_put_per_kind_with_their_sizes()
    {
        var store = CreateStore();
        var expected = AllKinds.ToDictionary(kind => kind, _ => new List<BlobInfo>());
        var seed = 0;
        foreach (var kind in AllKinds)
        {
            var count = kind == BlobKind.Config ? 1 : 5;
            for (var i = 0; i < count; i++)
            {
                var name = NewName(kind);
                var data = Bytes(seed * 37 % 500, seed: seed++);
                await store.PutAsync(name, data, CancellationToken.None);
                expected[kind].Add(new BlobInfo(name, data.Length));
            }
        }

        foreach (var kind in AllKinds)
        {
            Assert.Equal(Sorted(expected[kind]), Sorted(await ListAsync(store, kind)));
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Listing_a_kind_with_no_objects_returns_nothing()
    {
        var store = CreateStore();
        await store.PutAsync(NewName(BlobKind.Pack), Bytes(10, seed: 1), CancellationToken.None);

        foreach (var kind in AllKinds.Where(k => k != BlobKind.Pack))
        {
            Assert.Empty(await ListAsync(store, kind));
        }
    }

    /// <summary>A name that is nothing but its fan-out prefix must not fall out of a listing.</summary>
    [Fact]
    public async Task A_pack_named_only_by_its_two_character_prefix_is_listed()
    {
        var store = CreateStore();
        var name = new BlobName(BlobKind.Pack, "ab");
        await store.PutAsync(name, Bytes(3, seed: 1), CancellationToken.None);

        Assert.Equal([new BlobInfo(name, 3)], await ListAsync(store, BlobKind.Pack));
    }

    /// <summary>Listings cut at 1,000 entries have made peers delete live data.</summary>
    [Fact]
    public async Task Listing_2500_packs_returns_every_one_with_its_size()
    {
        var store = CreateStore();
        var expected = Enumerable.Range(0, 2500).Select(i => new BlobInfo(NewName(BlobKind.Pack), i % 97)).ToArray();

        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (info, ct) => await store.PutAsync(info.Name, Bytes((int)info.Size, seed: (int)info.Size), ct));

        Assert.Equal(Sorted(expected), Sorted(await ListAsync(store, BlobKind.Pack)));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Deleting_removes_an_object_and_deleting_it_again_is_fine()
    {
        var store = CreateStore();
        var kept = NewName(BlobKind.Lock);
        var deleted = NewName(BlobKind.Lock);
        await store.PutAsync(kept, Bytes(10, seed: 1), CancellationToken.None);
        await store.PutAsync(deleted, Bytes(10, seed: 2), CancellationToken.None);

        await store.DeleteAsync(deleted, CancellationToken.None);
        await store.DeleteAsync(deleted, CancellationToken.None);

        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.GetAsync(deleted, CancellationToken.None));
        Assert.Equal([new BlobInfo(kept, 10)], await ListAsync(store, BlobKind.Lock));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Deleting_a_name_that_never_existed_is_fine()
    {
        var store = CreateStore();

        await store.DeleteAsync(NewName(BlobKind.Pack), CancellationToken.None);
        await store.DeleteAsync(NewName(BlobKind.Key), CancellationToken.None);
        await store.DeleteAsync(NewName(BlobKind.Config), CancellationToken.None);
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task A_deleted_name_can_be_put_again()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Lock);
        await store.PutAsync(name, Bytes(10, seed: 1), CancellationToken.None);
        await store.DeleteAsync(name, CancellationToken.None);

        await store.PutAsync(name, Bytes(20, seed: 2), CancellationToken.None);

        Assert.Equal(Bytes(20, seed: 2), await store.GetAsync(name, CancellationToken.None));
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Concurrent_puts_of_200_objects_from_8_tasks_are_all_listed_and_readable()
    {
        var store = CreateStore();
        var work = new ConcurrentQueue<(BlobName Name, byte[] Data)>(
            Enumerable.Range(0, 200).Select(i => (NewName(BlobKind.Pack), Bytes(1 + i * 311, seed: i))));
        var all = work.ToArray();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (work.TryDequeue(out var item))
            {
                await store.PutAsync(item.Name, item.Data, CancellationToken.None);
            }
        })));

        Assert.Equal(Sorted(all.Select(x => new BlobInfo(x.Name, x.Data.Length))), Sorted(await ListAsync(store, BlobKind.Pack)));
        foreach (var (name, data) in all)
        {
            Assert.Equal(data, await store.GetAsync(name, CancellationToken.None));
        }
    }

    /// <summary>See the test name.</summary>
    [Fact]
    public async Task Buffers_held_by_callers_cannot_change_a_stored_object()
    {
        var store = CreateStore();
        var name = NewName(BlobKind.Index);
        var data = Bytes(100, seed: 1);
        var original = data.ToArray();
        await store.PutAsync(name, data, CancellationToken.None);

        data[0] ^= 0xFF;
        var got = await store.GetAsync(name, CancellationToken.None);
        got[1] ^= 0xFF;

        Assert.Equal(original, await store.GetAsync(name, CancellationToken.None));
    }

    /// <summary>A random name of <paramref name="kind"/>: 64 lower-case hex characters, or "config".</summary>
    protected static BlobName NewName(BlobKind kind) =>
        new(kind, kind == BlobKind.Config ? "config" : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Repeatable pseudo-random bytes.</summary>
    protected static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Collects a whole listing.</summary>
    protected static async Task<List<BlobInfo>> ListAsync(IBlobStore store, BlobKind kind)
    {
        var list = new List<BlobInfo>();
        await foreach (var info in store.ListAsync(kind, CancellationToken.None))
        {
            list.Add(info);
        }
        return list;
    }

    private static BlobInfo[] Sorted(IEnumerable<BlobInfo> infos) =>
        infos.OrderBy(i => i.Name.Name, StringComparer.Ordinal).ToArray();
}
