using System.Text;
using System.Text.RegularExpressions;

namespace Lifeboat.Backup;

/// <summary>
/// Exclude patterns as restic users know them: <c>*</c> matches within one path element, <c>**</c> across elements,
/// <c>?</c> one character. A pattern with a slash matches the whole absolute path (or a leading part of it, so a
/// directory pattern excludes its contents); a pattern without one matches any single path element.
/// </summary>
public sealed class ExcludeMatcher
{
    private readonly Regex[] _fullPath;
    private readonly Regex[] _element;

    /// <summary>Compiles the patterns; throws <see cref="ArgumentException"/> for an empty pattern.</summary>
    public ExcludeMatcher(IEnumerable<string> patterns)
    {
        var full = new List<Regex>();
        var element = new List<Regex>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim();
            if (pattern.Length == 0)
            {
                throw new ArgumentException("an exclude pattern is empty");
            }
            if (pattern.Contains('/'))
            {
                full.Add(new Regex("^" + ToRegex(pattern.TrimEnd('/')) + "(/.*)?$", RegexOptions.CultureInvariant));
            }
            else
            {
                element.Add(new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant));
            }
        }
        _fullPath = [.. full];
        _element = [.. element];
    }

    /// <summary>Whether nothing is excluded.</summary>
    public bool IsEmpty => _fullPath.Length == 0 && _element.Length == 0;

    /// <summary>Whether the entry at <paramref name="fullPath"/> named <paramref name="name"/> is excluded.</summary>
    public bool IsExcluded(string fullPath, string name)
    {
        foreach (var regex in _element)
        {
            if (regex.IsMatch(name))
            {
                return true;
            }
        }
        foreach (var regex in _fullPath)
        {
            if (regex.IsMatch(fullPath))
            {
                return true;
            }
        }
        return false;
    }

    private static string ToRegex(string glob)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                builder.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                builder.Append("[^/]*");
            }
            else if (c == '?')
            {
                builder.Append("[^/]");
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }
        return builder.ToString();
    }
}
