namespace Lifeboat.Crypto;

/// <summary>No key file of the repository opens with the given password.</summary>
public sealed class WrongPasswordException(string message) : Exception(message);
