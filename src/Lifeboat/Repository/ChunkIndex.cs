using System.Runtime.InteropServices;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// The in-memory map from chunk ID to pack location, built from index files. Compact: about 64 bytes per chunk (67 measured)
/// (the 32-byte ID, a 16-byte location holding a pack number, and the dictionary's own bookkeeping).
/// During a backup it also tracks chunks claimed by the pipeline but not yet in a durable pack, so two workers never
/// store the same chunk twice. Thread-safe.
/// </summary>
public sealed class ChunkIndex
{
    private readonly Lock _lock = new();
    private readonly List<Digest> _packs = [];
    private readonly Dictionary<Digest, int> _packNumbers = [];
    private readonly Dictionary<Digest, Slot> _chunks = [];
    private readonly HashSet<Digest> _claimed = [];

    /// <summary>How many chunks are indexed.</summary>
    public int Count
    {
        get { lock (_lock) { return _chunks.Count; } }
    }

    /// <summary>How many packs are indexed.</summary>
    public int PackCount
    {
        get { lock (_lock) { return _packs.Count; } }
    }

    /// <summary>Adds every chunk of a pack; a chunk already indexed keeps its first location.</summary>
    public void AddPack(Digest pack, IReadOnlyList<PackEntry> entries)
    {
        lock (_lock)
        {
            if (!_packNumbers.TryGetValue(pack, out var number))
            {
                number = _packs.Count;
                _packs.Add(pack);
                _packNumbers.Add(pack, number);
            }
            _chunks.EnsureCapacity(_chunks.Count + entries.Count);
            foreach (var entry in entries)
            {
                _chunks.TryAdd(entry.Id, new Slot(number, entry));
                _claimed.Remove(entry.Id);
            }
        }
    }

    /// <summary>
    /// Claims a chunk for storing: true when it is neither indexed nor claimed by another worker. A claimer must
    /// store the chunk, or <see cref="Release"/> it if the run fails.
    /// </summary>
    public bool TryClaim(Digest id)
    {
        lock (_lock)
        {
            return !_chunks.ContainsKey(id) && _claimed.Add(id);
        }
    }

    /// <summary>Drops every outstanding claim (after a failed run).</summary>
    public void ReleaseClaims()
    {
        lock (_lock)
        {
            _claimed.Clear();
        }
    }

    /// <summary>Whether a chunk is indexed.</summary>
    public bool Contains(Digest id)
    {
        lock (_lock)
        {
            return _chunks.ContainsKey(id);
        }
    }

    /// <summary>Finds a chunk's location.</summary>
    public bool TryGet(Digest id, out ChunkLocation location)
    {
        lock (_lock)
        {
            if (_chunks.TryGetValue(id, out var slot))
            {
                location = new ChunkLocation(_packs[slot.Pack], slot.ToEntry(id));
                return true;
            }
        }
        location = default;
        return false;
    }

    /// <summary>Every indexed pack.</summary>
    public IReadOnlyList<Digest> Packs()
    {
        lock (_lock)
        {
            return [.. _packs];
        }
    }

    /// <summary>Every indexed chunk grouped by pack, for checks and index rewrites.</summary>
    public Dictionary<Digest, List<PackEntry>> EntriesByPack()
    {
        lock (_lock)
        {
            var result = _packs.ToDictionary(p => p, _ => new List<PackEntry>());
            foreach (var (id, slot) in _chunks)
            {
                result[_packs[slot.Pack]].Add(slot.ToEntry(id));
            }
            return result;
        }
    }

    /// <summary>
    /// A location without the ID (the dictionary key holds it): 16 bytes, so an index entry is 56 bytes plus its
    /// bucket. The pack number takes 24 bits (16 million packs); type and flags share the top byte.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly struct Slot
    {
        private readonly uint _packAndKind;
        private readonly uint _offset;
        private readonly uint _stored;
        private readonly uint _raw;

        public Slot(int pack, PackEntry entry)
        {
            if (pack >= 1 << 24)
            {
                throw new InvalidOperationException("the index holds more than 16 million packs");
            }
            _packAndKind = (uint)pack | (uint)entry.Type << 24 | (uint)entry.Flags << 28;
            _offset = entry.Offset;
            _stored = entry.StoredLength;
            _raw = entry.RawLength;
        }

        public int Pack => (int)(_packAndKind & 0xFFFFFF);

        public PackEntry ToEntry(Digest id) =>
            new((ChunkType)((_packAndKind >> 24) & 0xF), (byte)(_packAndKind >> 28), id, _offset, _stored, _raw);
    }
}
