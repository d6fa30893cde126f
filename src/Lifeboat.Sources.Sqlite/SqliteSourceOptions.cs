namespace Lifeboat.Sources.Sqlite;

/// <summary>Options of a <see cref="SqliteSource"/>, validated when it runs.</summary>
public sealed record SqliteSourceOptions
{
    /// <summary>Where the private copy is made; null means <c>$TMPDIR</c>, else <c>/tmp</c>.</summary>
    public string? TemporaryDirectory { get; init; }

    /// <summary>How long to wait for a writer that holds the database locked before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
