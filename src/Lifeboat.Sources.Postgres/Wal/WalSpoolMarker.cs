namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// A spool marker: <see cref="File"/> is durable in <see cref="Repository"/> for <see cref="Component"/> with the
/// content the file held while its stamp was <see cref="Stamp"/>, or, when no stamp could vouch for it, with the content
/// whose SHA-256 is <see cref="Sha256"/>. Stored as lines of text (a tag, then the fields), not JSON: reading it is on the path of
/// every push, and loading a JSON serializer costs more than the rest of that read.
/// </summary>
public sealed record WalSpoolMarker
{
    internal const string Tag = "lifeboat-wal-spool 2";

    // Markers written before stamps existed: still read, proving the content by its hash only.
    private const string TagWithoutStamp = "lifeboat-wal-spool 1";

    /// <summary>The WAL file name.</summary>
    public required string File { get; init; }

    /// <summary>
    /// Lowercase hex SHA-256 of the file's content as archived, or null when <see cref="Stamp"/> vouches for it (hashing
    /// 16 MiB costs about a sixth of archiving it, and the stamp proves nearly every push).
    /// </summary>
    public string? Sha256 { get; init; }

    /// <summary>The component it was archived for.</summary>
    public required string Component { get; init; }

    /// <summary>The repository location it was archived into.</summary>
    public required string Repository { get; init; }

    /// <summary>The file's stamp when it was read for archiving, or null when the stamp could not vouch for it.</summary>
    public WalFileStamp? Stamp { get; init; }

    /// <summary>The marker's stored form.</summary>
    public string Format() => $"{Tag}\n{File}\n{Sha256 ?? "-"}\n{Component}\n{Repository}\n{Stamp?.Format() ?? "-"}\n";

    /// <summary>Parses <see cref="Format"/>'s output; null for anything else (a marker that proves nothing).</summary>
    public static WalSpoolMarker? Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length == 6 && lines[0] == TagWithoutStamp && lines[5].Length == 0 && lines[2].Length == 64)
        {
            return new WalSpoolMarker { File = lines[1], Sha256 = lines[2], Component = lines[3], Repository = lines[4] };
        }
        if (lines.Length != 7 || lines[0] != Tag || lines[6].Length != 0 || (lines[2].Length != 64 && lines[2] != "-"))
        {
            return null;
        }
        var stamp = lines[5] == "-" ? null : WalFileStamp.Parse(lines[5]);
        // A stamp that does not parse, or neither a stamp nor a hash: proves nothing.
        return (stamp is null && lines[5] != "-") || (stamp is null && lines[2] == "-")
            ? null
            : new WalSpoolMarker { File = lines[1], Sha256 = lines[2] == "-" ? null : lines[2], Component = lines[3], Repository = lines[4], Stamp = stamp };
    }
}
