namespace Lifeboat.Storage;

/// <summary>An append-only session tried to delete or do something only a full key may do.</summary>
public sealed class AppendOnlyException(string message) : InvalidOperationException(message);
