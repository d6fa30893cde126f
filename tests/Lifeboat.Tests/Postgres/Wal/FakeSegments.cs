using System.Buffers.Binary;
using System.Security.Cryptography;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Tests.Postgres.Wal;

/// <summary>WAL files with a real long page header (system identifier, segment size, position) and random content.</summary>
internal static class FakeSegments
{
    public const long Size = 16 * 1024 * 1024;

    /// <summary>Writes segment <paramref name="number"/> of timeline 1 into <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, ulong systemIdentifier, ulong number, ulong? pageAddress = null, uint timeline = 1)
    {
        var content = new byte[Size];
        RandomNumberGenerator.Fill(content.AsSpan(0, 256 * 1024));
        BinaryPrimitives.WriteUInt16LittleEndian(content, 0xD110);
        BinaryPrimitives.WriteUInt16LittleEndian(content.AsSpan(2), 0x0002);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(4), timeline);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(8), pageAddress ?? number * (ulong)Size);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(24), systemIdentifier);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(32), (uint)Size);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(36), 8192);
        var path = Path.Combine(folder, WalFileName.SegmentName(timeline, number, Size));
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>
    /// <see cref="Write"/>, then marks the segment ready as PostgreSQL does once it is complete:
    /// <c>archive_status/NAME.ready</c> beside it (the folder must exist).
    /// </summary>
    public static string WriteReady(string walFolder, ulong systemIdentifier, ulong number)
    {
        var path = Write(walFolder, systemIdentifier, number);
        File.WriteAllText(Path.Combine(walFolder, "archive_status", Path.GetFileName(path) + ".ready"), "");
        return path;
    }
}
