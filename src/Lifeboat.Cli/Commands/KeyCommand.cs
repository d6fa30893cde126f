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
        var randomKeyFile = new Option<string?>("--random-key-file")
        {
            Description = "Instead of a password, write a new random 256-bit secret to this new file (mode 0600) and add a key it opens without a slow KDF (for 'wal push'; use it with LIFEBOAT_KEY_FILE)",
        };
        var add = new Command("add", "Add a password (or a random key file) that opens the repository") { newPasswordFile, appendOnly, randomKeyFile };
        add.SetBody(async (context, ct) =>
        {
            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.Shared, ct);
            var isAppendOnly = context.Parse.GetValue(appendOnly);
            if (context.Parse.GetValue(randomKeyFile) is { } path)
            {
                var secret = KeyFile.NewRandomSecret();
                // Written before the key is added, never over an existing file: a secret that was not saved opens nothing.
                await using (var file = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }))
                {
                    await file.WriteAsync(System.Text.Encoding.ASCII.GetBytes(secret + "\n"), ct);
                    file.Flush(flushToDisk: true);
                }
                var slot = await repository.AddRandomSecretKeyAsync(secret, ct, isAppendOnly);
                Output(context, new { key = slot.ToString(), keyFile = Path.GetFullPath(path) }, $"added key {slot.Short}, opened by the secret in {Path.GetFullPath(path)} (set LIFEBOAT_KEY_FILE to use it)");
                return ExitCodes.Success;
            }
            var name = await repository.AddKeyAsync(PasswordSource.ReadNew(context.Parse.GetValue(newPasswordFile)), ct, appendOnly: isAppendOnly);
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
