using System.CommandLine;
using System.Security.Cryptography;
using Lifeboat.Crypto;
using Lifeboat.Repository;

namespace Lifeboat.Cli;

/// <summary>
/// Runs a command body and turns every failure into a clear message on stderr and a documented exit code.
/// Nothing is swallowed: an unexpected exception still ends the run with a non-zero code and its message.
/// </summary>
public static class CommandRunner
{
    /// <summary>Binds a command's body with error handling.</summary>
    public static void SetBody(this Command command, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));

    private static async Task<int> RunAsync(ParseResult parse, Func<CommandContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var context = new CommandContext(parse);
            return await body(context, cancellationToken);
        }
        catch (Exception e)
        {
            var (code, message) = Classify(e, cancellationToken);
            await Console.Error.WriteLineAsync($"lifeboat: {message}");
            return code;
        }
    }

    /// <summary>Maps an exception to an exit code and a message that says what to do next.</summary>
    public static (int Code, string Message) Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted; nothing was committed by the unfinished step"),
        WrongPasswordException => (ExitCodes.WrongPassword, e.Message),
        RepositoryNotFoundException => (ExitCodes.NoRepository, e.Message),
        Locking.RepositoryLockedException => (ExitCodes.Locked, e.Message),
        OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            (ExitCodes.Failure, "the repository lock could not be refreshed, so the operation stopped; nothing half-done was committed"),
        // The core throws ArgumentException only for what the caller asked (paths, patterns, options); a null argument
        // is a bug, not a usage error.
        UsageException => (ExitCodes.Usage, e.Message),
        Plan.PlanInvalidException => (ExitCodes.Usage, e.Message),
        ArgumentException when e is not ArgumentNullException => (ExitCodes.Usage, e.Message),
        Snapshots.DamagedSnapshotException => (ExitCodes.Damaged, e.Message),
        CorruptObjectException => (ExitCodes.Failure, $"repository data is damaged: {e.Message}; run 'lifeboat check' for a full report"),
        RepositoryExistsException => (ExitCodes.Failure, e.Message),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.Failure, e.Message),
        IOException when e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) =>
            (ExitCodes.Failure, $"{e.Message}: the disk is full; nothing was recorded. What the failed run stored in the " +
                "repository only takes space: 'lifeboat prune' deletes it (and the partial objects of runs killed or failed " +
                "over 30 minutes ago); free space and run again"),
        IOException or UnauthorizedAccessException or CryptographicException => (ExitCodes.Failure, e.Message),
        InvalidOperationException => (ExitCodes.Failure, e.Message),
        _ => (ExitCodes.Failure, $"unexpected error: {e}"),
    };
}
