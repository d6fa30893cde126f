using System.CommandLine;
using Lifeboat.Locking;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat unlock [--remove-all]</c>: removes stale locks (or all of them).</summary>
public static class UnlockCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var all = new Option<bool>("--remove-all") { Description = "Remove every lock, also live ones (only when you know no other Lifeboat is running)" };
        var command = new Command("unlock", "Remove locks left by crashed or killed operations") { all };
        command.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            var removed = await new LockManager(repository, TimeProvider.System).RemoveAsync(context.Parse.GetValue(all), ct);
            if (context.Json)
            {
                CommandContext.WriteJson(new { removed });
            }
            else
            {
                Console.WriteLine(removed == 0 ? "no stale locks" : $"removed {removed} lock(s)");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
