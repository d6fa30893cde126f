using System.Buffers.Binary;
using System.Text;
using Lifeboat.Crypto;

namespace Lifeboat.Repository;

/// <summary>
/// An index file: which chunks each listed pack holds. Plaintext:
/// <c>"LBIX" ‖ version u8 (1) ‖ superseded count u32 LE ‖ superseded index names (32 bytes each) ‖
/// pack count u32 LE ‖ (pack name 32 bytes ‖ entry count u32 LE ‖ entry*)*</c>, sealed with associated data
/// "lifeboat-index". Superseded index files (listed by a rebuilt index) may be deleted once this one is durable.
/// </summary>
public sealed record IndexFile(IReadOnlyList<Digest> Supersedes, IReadOnlyList<IndexedPack> Packs)
{
    private static ReadOnlySpan<byte> Magic => "LBIX"u8;
    private static readonly byte[] AssociatedData = Encoding.ASCII.GetBytes("lifeboat-index");

    /// <summary>Serializes and seals.</summary>
    public byte[] Seal(SecretBox box)
    {
        var size = 4 + 1 + 4 + Supersedes.Count * Digest.Size + 4;
        foreach (var pack in Packs)
        {
            size += Digest.Size + 4 + pack.Entries.Count * PackEntry.Size;
        }
        var plain = new byte[size];
        var span = plain.AsSpan();
        Magic.CopyTo(span);
        span[4] = 1;
        var at = 5;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)Supersedes.Count);
        at += 4;
        foreach (var old in Supersedes)
        {
            old.Write(span[at..]);
            at += Digest.Size;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)Packs.Count);
        at += 4;
        foreach (var pack in Packs)
        {
            pack.Pack.Write(span[at..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + Digest.Size)..], (uint)pack.Entries.Count);
            at += Digest.Size + 4;
            foreach (var entry in pack.Entries)
            {
                entry.Write(span[at..]);
                at += PackEntry.Size;
            }
        }
        return box.Seal(plain, AssociatedData);
    }

    /// <summary>Opens and parses; throws <see cref="CorruptObjectException"/> on any malformed or tampered input.</summary>
    public static IndexFile Open(ReadOnlySpan<byte> sealedData, SecretBox box)
    {
        var plain = box.Open(sealedData, AssociatedData);
        var reader = new SpanCursor(plain);
        if (!reader.Take(4).SequenceEqual(Magic) || reader.Take(1)[0] != 1)
        {
            throw new CorruptObjectException("index file has a bad magic or version");
        }
        var supersedes = new Digest[reader.Count(Digest.Size)];
        for (var i = 0; i < supersedes.Length; i++)
        {
            supersedes[i] = Digest.Read(reader.Take(Digest.Size));
        }
        var packs = new IndexedPack[reader.Count(Digest.Size + 4)];
        for (var i = 0; i < packs.Length; i++)
        {
            var pack = Digest.Read(reader.Take(Digest.Size));
            var entries = new PackEntry[reader.Count(PackEntry.Size)];
            for (var j = 0; j < entries.Length; j++)
            {
                entries[j] = PackEntry.Read(reader.Take(PackEntry.Size));
            }
            packs[i] = new IndexedPack(pack, entries);
        }
        if (!reader.AtEnd)
        {
            throw new CorruptObjectException("index file has trailing bytes");
        }
        return new IndexFile(supersedes, packs);
    }

    /// <summary>Reads a parsed buffer front to back, refusing counts the remaining bytes cannot hold.</summary>
    private ref struct SpanCursor(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public ReadOnlySpan<byte> Take(int length)
        {
            if (_rest.Length < length)
            {
                throw new CorruptObjectException("index file is truncated");
            }
            var result = _rest[..length];
            _rest = _rest[length..];
            return result;
        }

        public int Count(int minimumItemSize)
        {
            var count = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
            if (count > _rest.Length / minimumItemSize)
            {
                throw new CorruptObjectException($"index file claims {count} items, more than its bytes can hold");
            }
            return (int)count;
        }
    }
}
