using System.CommandLine;
using System.Text;

namespace Lifeboat.Cli;

/// <summary>
/// Where the password comes from, in order: $LIFEBOAT_KEY_FILE (a random secret made by 'key add --random-key-file'),
/// --password-file, $LIFEBOAT_PASSWORD_FILE, $LIFEBOAT_PASSWORD, a prompt on the terminal. Without a terminal and without a password the command fails instead of waiting for input.
/// </summary>
public static class PasswordSource
{
    /// <summary>Reads the password; <paramref name="confirm"/> asks twice on a prompt (for new passwords).</summary>
    public static string Read(ParseResult parse, bool confirm)
    {
        var keyFile = Environment.GetEnvironmentVariable("LIFEBOAT_KEY_FILE");
        if (!string.IsNullOrEmpty(keyFile))
        {
            return FromFile(keyFile);
        }
        var file = parse.GetValue(GlobalOptions.PasswordFile) ?? Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD_FILE");
        if (!string.IsNullOrEmpty(file))
        {
            return FromFile(file);
        }
        var variable = Environment.GetEnvironmentVariable("LIFEBOAT_PASSWORD");
        if (!string.IsNullOrEmpty(variable))
        {
            return variable;
        }
        return Prompt("Repository password", confirm, "set LIFEBOAT_PASSWORD or LIFEBOAT_PASSWORD_FILE, or pass --password-file");
    }

    /// <summary>Reads a second password (key add): $LIFEBOAT_NEW_PASSWORD_FILE, $LIFEBOAT_NEW_PASSWORD, or a prompt.</summary>
    public static string ReadNew(string? file)
    {
        file ??= Environment.GetEnvironmentVariable("LIFEBOAT_NEW_PASSWORD_FILE");
        if (!string.IsNullOrEmpty(file))
        {
            return FromFile(file);
        }
        var variable = Environment.GetEnvironmentVariable("LIFEBOAT_NEW_PASSWORD");
        return !string.IsNullOrEmpty(variable) ? variable
            : Prompt("New password", confirm: true, "set LIFEBOAT_NEW_PASSWORD or LIFEBOAT_NEW_PASSWORD_FILE, or pass --new-password-file");
    }

    /// <summary>The source repository's password for copy: --from-password-file, $LIFEBOAT_FROM_PASSWORD_FILE, $LIFEBOAT_FROM_PASSWORD, or a prompt.</summary>
    public static string ReadSource(string? file)
    {
        file ??= Environment.GetEnvironmentVariable("LIFEBOAT_FROM_PASSWORD_FILE");
        if (!string.IsNullOrEmpty(file))
        {
            return FromFile(file);
        }
        var variable = Environment.GetEnvironmentVariable("LIFEBOAT_FROM_PASSWORD");
        return !string.IsNullOrEmpty(variable) ? variable
            : Prompt("Source repository password", confirm: false, "set LIFEBOAT_FROM_PASSWORD or LIFEBOAT_FROM_PASSWORD_FILE, or pass --from-password-file");
    }

    private static string FromFile(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the password file {file}: {e.Message}");
        }
        var password = text.TrimEnd('\r', '\n');
        if (password.Length == 0)
        {
            throw new UsageException($"the password file {file} is empty");
        }
        return password;
    }

    // Each password has its own variables: the message names the ones this password is read from, so a user whose
    // repository password is set is not told to set it again when the new or the source password is missing.
    private static string Prompt(string label, bool confirm, string howToGive)
    {
        if (Console.IsInputRedirected)
        {
            throw new UsageException($"no {label.ToLowerInvariant()} given and no terminal to ask on: {howToGive}");
        }
        var first = ReadHidden($"{label}: ");
        if (first.Length == 0)
        {
            throw new UsageException("an empty password is not allowed");
        }
        if (confirm && ReadHidden($"{label} again: ") != first)
        {
            throw new UsageException("the passwords do not match");
        }
        return first;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var builder = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return builder.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (builder.Length > 0)
                {
                    builder.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                builder.Append(key.KeyChar);
            }
        }
    }
}
