using System.CommandLine;
using Lifeboat.Crypto;

namespace Lifeboat.Cli.Commands;

/// <summary><c>lifeboat key add|list|remove</c>: manages the passwords that open the repository.</summary>
public static class KeyCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var newPasswordFile = new Option<string?>("--new-password-file") { Description = "Read the new password from this file (default: $LIFEBOAT_NEW_PASSWORD_FILE, $LIFEBOAT_NEW_PASSWORD, a prompt)" };
        var appendOnly = new Option<bool>("--append-only") { Description = "The new key can add backups but never delete (for backup hosts; pair it with storage credentials that cannot delete)" };
        var add = new Command("add", "Add a password that opens the repository") { newPasswordFile, appendOnly };
        add.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Shared, ct);
            var name = await repository.AddKeyAsync(PasswordSource.ReadNew(context.Parse.GetValue(newPasswordFile)), ct,
                appendOnly: context.Parse.GetValue(appendOnly));
            Output(context, new { key = name.ToString() }, $"added key {name.Short}");
            return ExitCodes.Success;
        });

        var list = new Command("list", "List the keys; * marks the one in use");
        list.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, ct);
            var keys = await repository.ListKeysAsync(ct);
            if (context.Json)
            {
                CommandContext.WriteJson(keys.Select(k => new { id = k.Name.ToString(), current = k.Name == repository.KeyName, appendOnly = k.File.AppendOnly, k.File.Created, k.File.Host, k.File.Username, k.File.Iterations }));
                return ExitCodes.Success;
            }
            foreach (var (name, file) in keys.OrderBy(k => k.File.Created))
            {
                var marker = name == repository.KeyName ? "*" : " ";
                Console.WriteLine($"{marker}{name.Short}  {file.Created.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {file.Username}@{file.Host}{(file.AppendOnly ? "  append-only" : "")}");
            }
            return ExitCodes.Success;
        });

        var keyId = new Argument<string>("id") { Description = "Key ID or a unique prefix (see 'key list')" };
        var remove = new Command("remove", "Remove a key (not the one in use)") { keyId };
        remove.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Exclusive, ct);
            ct = context.Token;
            var prefix = context.Parse.GetValue(keyId)!.ToLowerInvariant();
            var matches = (await repository.ListKeysAsync(ct)).Where(k => k.Name.ToString().StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (matches.Count != 1)
            {
                throw new UsageException(matches.Count == 0 ? $"no key starts with '{prefix}'" : $"'{prefix}' matches {matches.Count} keys; give more characters");
            }
            await repository.RemoveKeyAsync(matches[0].Name, ct);
            Output(context, new { removed = matches[0].Name.ToString() }, $"removed key {matches[0].Name.Short}");
            return ExitCodes.Success;
        });
        return new Command("key", "Manage the passwords that open the repository") { add, list, remove };
    }

    private static void Output(CommandContext context, object json, string text)
    {
        if (context.Json)
        {
            CommandContext.WriteJson(json);
        }
        else
        {
            Console.WriteLine(text);
        }
    }
}
