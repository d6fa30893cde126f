namespace Lifeboat.Sources;

/// <summary>
/// A directory stored by a <see cref="StreamSink"/>: its path in the snapshot, the files and bytes below it, and the
/// entries left out because they could not be listed or read ("absolute path: message").
/// </summary>
public sealed record StreamedDirectory(string Path, long Files, long Bytes, IReadOnlyList<string> Errors);
