namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>A spool marker: <see cref="File"/> with content <see cref="Sha256"/> is durable in <see cref="Repository"/> for <see cref="Component"/>.</summary>
public sealed record WalSpoolMarker
{
    /// <summary>The WAL file name.</summary>
    public required string File { get; init; }

    /// <summary>Lowercase hex SHA-256 of the file's content as archived.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The repository location it was archived into.</summary>
    public required string Repository { get; init; }

    /// <summary>The component it was archived for.</summary>
    public required string Component { get; init; }
}
