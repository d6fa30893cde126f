namespace Lifeboat.Crypto;

/// <summary>A stored object failed authentication, a hash check or parsing: it was damaged or tampered with.</summary>
public sealed class CorruptObjectException(string message) : IOException(message);
