namespace Lifeboat.Storage;

/// <summary>
/// A write that never completed: the temporary file of a writer that was killed, or failed and could not clean up
/// (a full disk). It is no object: no listing returns it and nothing reads it; it only takes space.
/// </summary>
/// <param name="Path">Where it lies, relative to the store's root (for example <c>data/.tmp-0123456789abcdef</c>).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="LastWrite">When it was last written to; a live writer keeps this recent.</param>
public readonly record struct PartialObject(string Path, long Size, DateTimeOffset LastWrite);
