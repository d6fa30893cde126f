namespace Lifeboat.Sources;

/// <summary>A stream stored by a <see cref="StreamSink"/>: its name in the snapshot, size and content hash.</summary>
public sealed record StreamedFile(string Name, long Size, string ContentHash);
