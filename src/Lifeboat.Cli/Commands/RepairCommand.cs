using System.CommandLine;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat repair index</c>: rebuilds the index from the packs.</summary>
public static class RepairCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var index = new Command("index", "Rebuild the index from the pack files alone");
        index.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Exclusive, ct);
            ct = context.Token;
            var (indexed, unreadable) = await new IndexRebuilder(repository).RunAsync(ct);
            if (context.Json)
            {
                CommandContext.WriteJson(new { indexed, unreadable });
            }
            else
            {
                foreach (var pack in unreadable)
                {
                    Console.Error.WriteLine($"lifeboat: unreadable pack left out of the index: {pack}");
                }
                Console.WriteLine($"index rebuilt from {indexed} packs");
            }
            return unreadable.Count == 0 ? ExitCodes.Success : ExitCodes.Damaged;
        });
        return new Command("repair", "Repair repository metadata") { index };
    }
}
