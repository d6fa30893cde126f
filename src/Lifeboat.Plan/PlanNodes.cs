using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Plan;

/// <summary>
/// Reads YAML nodes of the plan, recording every shape mistake (with its line and column) instead of stopping at
/// the first, so <c>plan validate</c> reports them all.
/// </summary>
internal sealed class PlanNodes
{
    private static readonly string[] RetryKeys = ["attempts", "delay"];

    /// <summary>The errors found so far.</summary>
    public List<PlanError> Errors { get; } = [];

    /// <summary>A node's position.</summary>
    public static PlanMark MarkOf(YamlNode node) => MarkOf(node.Start);

    /// <summary>A YamlDotNet mark as a plan mark.</summary>
    public static PlanMark MarkOf(Mark mark) => new((int)mark.Line, (int)mark.Column);

    /// <summary>Records an error at <paramref name="node"/>.</summary>
    public void Error(YamlNode node, string message, string? hint = null) => Errors.Add(new PlanError(MarkOf(node), message, hint));

    /// <summary>
    /// The entries of a mapping as (key text, key node, value node); records an error and returns nothing when the node
    /// is not a mapping. Keys not in <paramref name="known"/> (when given) are reported with a suggestion.
    /// </summary>
    public List<(string Key, YamlNode KeyNode, YamlNode Value)> Entries(YamlNode node, string what, IReadOnlyCollection<string>? known = null)
    {
        if (node is not YamlMappingNode mapping)
        {
            if (!IsEmpty(node))
            {
                Error(node, $"{what} must be a mapping of 'key: value' lines");
            }
            return [];
        }
        var entries = new List<(string, YamlNode, YamlNode)>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error(keyNode, $"a key in {what} must be a plain name");
                continue;
            }
            if (known is not null && !known.Contains(key))
            {
                if (PlanSecret.IsSecretKey(key))
                {
                    Errors.Add(PlanSecret.LiteralError(MarkOf(keyNode), key));
                    continue;
                }
                var suggestion = PlanSpelling.Suggest(key, known);
                Error(keyNode, $"unknown key '{key}' in {what}",
                    suggestion is null ? $"known keys: {string.Join(", ", known)}" : $"did you mean '{suggestion}'?");
                continue;
            }
            entries.Add((key, keyNode, value));
        }
        return entries;
    }

    /// <summary>Whether a node is an empty value (<c>key:</c> with nothing after it, or <c>~</c>).</summary>
    public static bool IsEmpty(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    /// <summary>A scalar's text, or null (with an error) when the node is not a single value.</summary>
    public string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && !IsEmpty(node))
        {
            return scalar.Value ?? "";
        }
        Error(node, IsEmpty(node) ? $"{what} is empty" : $"{what} must be a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return null;
    }

    /// <summary>A list of texts; a single text counts as a list of one.</summary>
    public List<(string Text, YamlNode Node)> TextList(YamlNode node, string what)
    {
        if (node is YamlScalarNode && !IsEmpty(node))
        {
            return [(((YamlScalarNode)node).Value ?? "", node)];
        }
        if (node is not YamlSequenceNode sequence)
        {
            if (!IsEmpty(node))
            {
                Error(node, $"{what} must be a list");
            }
            return [];
        }
        var items = new List<(string, YamlNode)>();
        foreach (var item in sequence.Children)
        {
            if (Text(item, $"an item of {what}") is { } text)
            {
                items.Add((text, item));
            }
        }
        return items;
    }

    /// <summary>A non-negative whole number, or null (with an error).</summary>
    public int? Count(YamlNode node, string what)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"{what} must be a whole number ≥ 0, not '{text}'");
            return null;
        }
        return value;
    }

    /// <summary>A duration such as 25h, 15m, 7d, or null (with an error).</summary>
    public TimeSpan? Duration(YamlNode node, string what)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }
        if (!PlanDuration.TryParse(text, out var duration))
        {
            Error(node, $"{what} '{text}' is not a duration", "write a number and a unit: 25h, 15m, 7d, 1h30m, 2w, 90s");
            return null;
        }
        return duration;
    }

    /// <summary><c>catch-up: once|skip</c>, or null (with an error).</summary>
    public PlanCatchUp? CatchUp(YamlNode node, string what)
    {
        switch (Text(node, what))
        {
            case null:
                return null;
            case "once":
                return PlanCatchUp.Once;
            case "skip":
                return PlanCatchUp.Skip;
            case var other:
                Error(node, $"{what} '{other}' is neither 'once' nor 'skip'",
                    "once: one run right away for all the runs missed while the daemon was down or a run overran; skip: wait for the next");
                return null;
        }
    }

    /// <summary><c>retry: { attempts: N, delay: 1m }</c> (either may be left out), or null (with an error) when it has none of them.</summary>
    public PlanRetry? Retry(YamlNode node, string what)
    {
        int? attempts = null;
        TimeSpan? delay = null;
        var entries = Entries(node, what, RetryKeys);
        foreach (var (key, _, value) in entries)
        {
            if (key == "delay")
            {
                delay = Duration(value, $"the delay of {what}");
                continue;
            }
            attempts = Count(value, $"the attempts of {what}");
            if (attempts is < 1 or > PlanRetry.MaxAttempts)
            {
                Error(value, $"the attempts of {what} must be between 1 and {PlanRetry.MaxAttempts}, not {attempts}",
                    "attempts counts the first one too: 1 never retries, 3 retries twice");
                attempts = null;
            }
        }
        if (entries.Count == 0)
        {
            // Not a mapping, or unknown keys only, is reported by Entries already.
            if (IsEmpty(node) || node is YamlMappingNode { Children.Count: 0 })
            {
                Error(node, $"{what} must be a mapping such as {{ attempts: 3, delay: 1m }}",
                    "attempts: tries in all, the first included; delay: the wait after the first failure, doubled after each further one");
            }
            return null;
        }
        return new PlanRetry(attempts, delay);
    }

    /// <summary>A time zone by IANA name, or null (with an error).</summary>
    public TimeZoneInfo? TimeZone(YamlNode node)
    {
        var text = Text(node, "timezone");
        if (text is null)
        {
            return null;
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            Error(node, $"unknown time zone '{text}'", "use an IANA name such as UTC, Europe/Berlin or America/New_York");
            return null;
        }
    }
}
