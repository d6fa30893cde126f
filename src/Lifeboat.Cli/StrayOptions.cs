using System.CommandLine;
using System.CommandLine.Parsing;

namespace Lifeboat.Cli;

/// <summary>
/// Finds words that look like options but were taken as a command's arguments. A command whose arguments are a list
/// (<c>backup PATH...</c>, <c>copy SNAPSHOT...</c>) or optional (<c>ls SNAPSHOT [PATH]</c>) accepts any word, so a
/// misspelt option (<c>backup --exlude x</c>) would become a path to back up instead of the usage error every other
/// command gives. A word after <c>--</c> is always an argument (a file named <c>-x</c>, a program's own flags).
/// </summary>
internal static class StrayOptions
{
    /// <summary>The arguments of the invoked command and its parents that start with '-' (other than "-") before any <c>--</c>.</summary>
    public static IReadOnlyList<string> Find(ParseResult parse)
    {
        var afterDoubleDash = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        var seen = false;
        foreach (var token in parse.Tokens)
        {
            if (seen)
            {
                afterDoubleDash.Add(token);
            }
            else if (token.Type == TokenType.DoubleDash)
            {
                seen = true;
            }
        }
        var stray = new List<string>();
        for (var result = (SymbolResult?)parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is not CommandResult command)
            {
                continue;
            }
            foreach (var argument in command.Children.OfType<ArgumentResult>())
            {
                stray.AddRange(argument.Tokens.Where(t => t.Value.Length > 1 && t.Value[0] == '-' && !afterDoubleDash.Contains(t)).Select(t => t.Value));
            }
        }
        return stray;
    }
}
