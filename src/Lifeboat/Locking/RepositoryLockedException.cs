namespace Lifeboat.Locking;

/// <summary>Another operation holds a lock that conflicts with the one asked for.</summary>
public sealed class RepositoryLockedException(string message) : Exception(message);
