using System.Globalization;

namespace Lifeboat.Plan.Cron;

/// <summary>
/// One field of a cron expression as the set of values it allows: lists (<c>1,15</c>), ranges (<c>1-5</c>), steps
/// (<c>*/15</c>, <c>1-30/5</c>, <c>5/15</c> meaning 5 to the maximum every 15) and names (<c>JAN</c>, <c>MON</c>).
/// </summary>
internal sealed class CronField
{
    private readonly bool[] _allowed;

    private CronField(bool[] allowed, bool star)
    {
        _allowed = allowed;
        IsStar = star;
    }

    /// <summary>Whether the field started with <c>*</c> (Vixie's rule for combining day of month and day of week).</summary>
    public bool IsStar { get; }

    /// <summary>Whether <paramref name="value"/> is allowed.</summary>
    public bool Contains(int value) => value >= 0 && value < _allowed.Length && _allowed[value];

    /// <summary>The smallest allowed value ≥ <paramref name="from"/>, or -1.</summary>
    public int NextFrom(int from)
    {
        for (var v = Math.Max(from, 0); v < _allowed.Length; v++)
        {
            if (_allowed[v])
            {
                return v;
            }
        }
        return -1;
    }

    /// <summary>Parses a field; <paramref name="names"/> maps names (upper case) to values.</summary>
    public static CronField Parse(string text, int field, int offset, string what, int min, int max,
        IReadOnlyDictionary<string, int>? names = null)
    {
        var allowed = new bool[max + 1];
        foreach (var part in text.Split(','))
        {
            if (part.Length == 0)
            {
                throw Error($"field {field} ({what}) has an empty list item in '{text}'", field, offset);
            }
            var slash = part.IndexOf('/');
            var rangeText = slash < 0 ? part : part[..slash];
            var step = 1;
            if (slash >= 0)
            {
                if (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
                {
                    throw Error($"field {field} ({what}) has an invalid step in '{part}': use a positive number after '/'", field, offset);
                }
            }
            int low, high;
            if (rangeText == "*")
            {
                (low, high) = (min, max);
            }
            else
            {
                var dash = rangeText.IndexOf('-', 1);
                low = Value(dash < 0 ? rangeText : rangeText[..dash], field, offset, what, min, max, names);
                high = dash < 0 ? (slash >= 0 ? max : low) : Value(rangeText[(dash + 1)..], field, offset, what, min, max, names);
                if (high < low)
                {
                    throw Error($"field {field} ({what}) has a backwards range '{rangeText}'", field, offset);
                }
            }
            for (var v = low; v <= high; v += step)
            {
                allowed[v] = true;
            }
        }
        return new CronField(allowed, text.StartsWith('*'));
    }

    private static int Value(string text, int field, int offset, string what, int min, int max, IReadOnlyDictionary<string, int>? names)
    {
        if (names is not null && names.TryGetValue(text.ToUpperInvariant(), out var named))
        {
            return named;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            var hint = names is null ? "" : $" or a name like {names.Keys.First()}";
            throw Error($"field {field} ({what}) has '{text}', which is not a number{hint}", field, offset);
        }
        if (value < min || value > max)
        {
            throw Error($"cron field {field} ({what}) value {value} out of range {min}-{max}", field, offset);
        }
        return value;
    }

    private static CronFormatException Error(string message, int field, int offset) => new(message, field, offset);
}
