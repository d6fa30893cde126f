namespace Lifeboat.Sources;

/// <summary>
/// Something that can be backed up as one or more named streams: a pg_dump, a Redis RDB, a SQLite online backup,
/// a command's stdout. (Directory trees go through <see cref="Backup.Archiver"/>, which also reuses unchanged files.)
/// </summary>
public interface ISource
{
    /// <summary>The source kind recorded as <c>source["kind"]</c> in the snapshot: "postgres", "redis", "command", ...</summary>
    string Kind { get; }

    /// <summary>What the snapshot's paths record, e.g. <c>redis://127.0.0.1:6379</c>; never a secret.</summary>
    IReadOnlyList<string> Describe();

    /// <summary>
    /// Writes the content into <paramref name="sink"/> as one or more named streams and returns what verification will
    /// need later (server version, counts), recorded in the snapshot's source map. Throwing, at any point, means no
    /// snapshot is recorded: a source must throw when its content may be incomplete (a non-zero exit, a short stream,
    /// a checksum mismatch).
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> ProduceAsync(StreamSink sink, CancellationToken cancellationToken);
}
