namespace Lifeboat.Cli;

/// <summary>The command line or environment is incomplete or contradictory; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
