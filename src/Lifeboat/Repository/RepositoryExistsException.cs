namespace Lifeboat.Repository;

/// <summary><c>init</c> was asked to create a repository where one (or other data) already exists.</summary>
public sealed class RepositoryExistsException(string message) : Exception(message);
