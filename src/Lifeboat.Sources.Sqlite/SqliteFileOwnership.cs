using System.Globalization;
using Lifeboat.Crypto;
using Lifeboat.FileSystem;

namespace Lifeboat.Sources.Sqlite;

/// <summary>
/// The permission bits and owner of the database file and of its directory, recorded in the snapshot's source map at
/// backup (<c>mode</c>, <c>uid</c>, <c>gid</c>, <c>directory_mode</c>, <c>directory_uid</c>, <c>directory_gid</c>;
/// modes in octal) so that a restore where the file or its directory is gone recreates them as they were.
/// </summary>
/// <param name="Mode">The file's permission bits.</param>
/// <param name="Uid">The file's owner.</param>
/// <param name="Gid">The file's group.</param>
/// <param name="DirectoryMode">The directory's permission bits.</param>
/// <param name="DirectoryUid">The directory's owner.</param>
/// <param name="DirectoryGid">The directory's group.</param>
public sealed record SqliteFileOwnership(UnixFileMode Mode, uint Uid, uint Gid, UnixFileMode DirectoryMode, uint DirectoryUid, uint DirectoryGid)
{
    /// <summary>Reads them from the live database file and its directory.</summary>
    public static SqliteFileOwnership Of(string databasePath)
    {
        var file = Posix.LStat(databasePath);
        var directory = Posix.LStat(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        return new(file.Permissions, file.Uid, file.Gid, directory.Permissions, directory.Uid, directory.Gid);
    }

    /// <summary>Adds them to a snapshot's source map.</summary>
    public void AddTo(IDictionary<string, string> source)
    {
        source["mode"] = Octal(Mode);
        source["uid"] = Uid.ToString(CultureInfo.InvariantCulture);
        source["gid"] = Gid.ToString(CultureInfo.InvariantCulture);
        source["directory_mode"] = Octal(DirectoryMode);
        source["directory_uid"] = DirectoryUid.ToString(CultureInfo.InvariantCulture);
        source["directory_gid"] = DirectoryGid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// What a snapshot's source map records; null for snapshots taken before these were recorded. A value that does not
    /// parse is damage, reported rather than replaced by a guess.
    /// </summary>
    public static SqliteFileOwnership? From(IReadOnlyDictionary<string, string> source)
    {
        if (!source.ContainsKey("mode"))
        {
            return null;
        }
        return new(ParseMode(source, "mode"), ParseId(source, "uid"), ParseId(source, "gid"),
            ParseMode(source, "directory_mode"), ParseId(source, "directory_uid"), ParseId(source, "directory_gid"));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    private static UnixFileMode ParseMode(IReadOnlyDictionary<string, string> source, string key)
    {
        try
        {
            var value = Convert.ToInt32(source.GetValueOrDefault(key) ?? "", 8);
            return value is >= 0 and <= 0xFFF ? (UnixFileMode)value : throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new CorruptObjectException($"the snapshot's {key} '{source.GetValueOrDefault(key)}' is not an octal file mode");
        }
    }

    private static uint ParseId(IReadOnlyDictionary<string, string> source, string key) =>
        uint.TryParse(source.GetValueOrDefault(key), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id
            : throw new CorruptObjectException($"the snapshot's {key} '{source.GetValueOrDefault(key)}' is not a user or group ID");
}
