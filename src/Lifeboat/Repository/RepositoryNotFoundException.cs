namespace Lifeboat.Repository;

/// <summary>The location holds no Lifeboat repository (no config object).</summary>
public sealed class RepositoryNotFoundException(string message) : Exception(message);
