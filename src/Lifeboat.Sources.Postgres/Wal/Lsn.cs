using System.Globalization;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>A PostgreSQL log sequence number: a byte position in the WAL, written <c>X/Y</c> in hex.</summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    /// <summary>Parses <c>X/Y</c> (hex halves); throws <see cref="FormatException"/> otherwise.</summary>
    public static Lsn Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1
            || !uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            throw new FormatException($"'{text}' is not an LSN such as 0/3000028");
        }
        return new Lsn(((ulong)high << 32) | low);
    }

    /// <summary>The segment number holding this position.</summary>
    public ulong Segment(long segmentSize) => Value / (ulong)segmentSize;

    /// <summary>
    /// The segment holding the byte just before this position: the last segment a backup stopping here needs
    /// (PostgreSQL's XLByteToPrevSeg).
    /// </summary>
    public ulong PreviousSegment(long segmentSize) => (Value - 1) / (ulong)segmentSize;

    /// <inheritdoc/>
    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    /// <summary>Orders LSNs.</summary>
    public static bool operator <(Lsn a, Lsn b) => a.Value < b.Value;
    /// <summary>Orders LSNs.</summary>
    public static bool operator >(Lsn a, Lsn b) => a.Value > b.Value;
    /// <summary>Orders LSNs.</summary>
    public static bool operator <=(Lsn a, Lsn b) => a.Value <= b.Value;
    /// <summary>Orders LSNs.</summary>
    public static bool operator >=(Lsn a, Lsn b) => a.Value >= b.Value;

    /// <inheritdoc/>
    public override string ToString() => $"{Value >> 32:X}/{Value & 0xFFFFFFFF:X}";
}
