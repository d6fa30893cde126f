using Lifeboat.Crypto;
using Lifeboat.Repository;

namespace Lifeboat.Tests.Repository;

public sealed class FormatTests
{
    private static readonly MasterKey Key = MasterKey.Generate();

    private static PackEntry Entry(int i) => new(i % 2 == 0 ? ChunkType.Data : ChunkType.Tree, (byte)(i % 2),
        Key.IdOf(BitConverter.GetBytes(i)), (uint)(i * 100), 60, (uint)(i + 1));

    [Fact]
    public void An_index_file_round_trips_its_packs_and_superseded_names()
    {
        var packs = Enumerable.Range(0, 5).Select(p => new IndexedPack(Digest.Sha256(BitConverter.GetBytes(p)),
            Enumerable.Range(p * 10, 10).Select(Entry).ToArray())).ToArray();
        var file = new IndexFile([Digest.Sha256("old"u8)], packs);
        var parsed = IndexFile.Open(file.Seal(Key.Box), Key.Box);
        Assert.Equal(file.Supersedes, parsed.Supersedes);
        Assert.Equal(packs.Select(p => p.Pack), parsed.Packs.Select(p => p.Pack));
        Assert.Equal(packs.SelectMany(p => p.Entries), parsed.Packs.SelectMany(p => p.Entries));
    }

    [Fact]
    public void A_tampered_or_truncated_index_is_refused_with_CorruptObjectException()
    {
        var sealedIndex = new IndexFile([], [new IndexedPack(Digest.Sha256("p"u8), [Entry(1)])]).Seal(Key.Box);
        var flipped = (byte[])sealedIndex.Clone();
        flipped[30] ^= 4;
        Assert.Throws<CorruptObjectException>(() => IndexFile.Open(flipped, Key.Box));
        Assert.Throws<CorruptObjectException>(() => IndexFile.Open(sealedIndex.AsSpan(0, sealedIndex.Length - 1), Key.Box));
        Assert.Throws<CorruptObjectException>(() => IndexFile.Open(Array.Empty<byte>(), Key.Box));
    }

    [Fact]
    public void An_index_that_claims_more_entries_than_it_holds_is_refused_not_allocated()
    {
        // A validly sealed plaintext whose pack count is absurd: the parser must refuse before allocating.
        var plain = new byte[4 + 1 + 4 + 4];
        "LBIX"u8.CopyTo(plain);
        plain[4] = 1;
        BitConverter.TryWriteBytes(plain.AsSpan(9), uint.MaxValue);
        var sealedData = Key.Box.Seal(plain, "lifeboat-index"u8);
        var error = Assert.Throws<CorruptObjectException>(() => IndexFile.Open(sealedData, Key.Box));
        Assert.Contains("more than its bytes can hold", error.Message);
    }

    [Fact]
    public void A_pack_header_round_trips_and_rejects_entries_outside_the_pack()
    {
        var entries = Enumerable.Range(0, 3).Select(i => Entry(i) with { Offset = (uint)(i * 60) }).ToList();
        var header = PackHeader.Build(entries, Key.Box);
        var packSize = 180 + header.Length;
        var length = PackHeader.ReadTrailer(header.AsSpan(header.Length - 4), packSize);
        Assert.Equal(entries, PackHeader.Parse(header.AsSpan(0, length), packSize, Key.Box));
        Assert.Throws<CorruptObjectException>(() => PackHeader.Parse(header.AsSpan(0, length), packSize - 100, Key.Box));
        Assert.Throws<CorruptObjectException>(() => PackHeader.ReadTrailer(BitConverter.GetBytes(int.MaxValue), packSize));
    }

    [Fact]
    public void The_in_memory_index_needs_at_most_about_64_bytes_per_chunk()
    {
        const int count = 500_000;
        var entries = new PackEntry[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = new PackEntry(ChunkType.Data, 1, new Digest((ulong)i, (ulong)i * 31, 7, 9), (uint)i, 100, 200);
        }
        // Bytes allocated by this thread only: other tests run in parallel and would blur a heap-size measurement.
        var index = new ChunkIndex();
        var before = GC.GetAllocatedBytesForCurrentThread();
        index.AddPack(Digest.Sha256("pack"u8), entries);
        var perChunk = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
        Assert.Equal(count, index.Count);
        Assert.True(perChunk <= 68, $"{perChunk:0.0} bytes per chunk"); // measured 67.3: 56-byte entry, bucket, prime sizing
    }

    [Fact]
    public void A_claimed_chunk_cannot_be_claimed_again_until_its_pack_is_indexed_or_claims_are_released()
    {
        var index = new ChunkIndex();
        var id = Key.IdOf("x"u8);
        Assert.True(index.TryClaim(id));
        Assert.False(index.TryClaim(id));
        index.AddPack(Digest.Sha256("p"u8), [new PackEntry(ChunkType.Data, 0, id, 0, 17, 1)]);
        Assert.False(index.TryClaim(id));
        Assert.True(index.TryGet(id, out var location));
        Assert.Equal(Digest.Sha256("p"u8), location.Pack);
        var other = Key.IdOf("y"u8);
        Assert.True(index.TryClaim(other));
        index.ReleaseClaims();
        Assert.True(index.TryClaim(other));
    }
}
