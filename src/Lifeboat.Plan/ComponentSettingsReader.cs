namespace Lifeboat.Plan;

/// <summary>
/// Reads a component's settings for its kind's factory. A missing required key or a value of the wrong shape is
/// recorded as an error (with line and column) and a harmless default is returned, so one pass finds every mistake;
/// <see cref="Finish"/> then reports the keys the factory never read as unknown.
/// </summary>
public sealed class ComponentSettingsReader(ComponentSettings settings, IReadOnlyCollection<string> commonKeys, bool validating = false)
{
    private readonly HashSet<string> _read = [];
    private readonly List<PlanError> _errors = [];

    /// <summary>The component's name.</summary>
    public string Component => settings.Component;

    /// <summary>The directory commands run in and relative paths are resolved against.</summary>
    public string BaseDirectory => settings.BaseDirectory;

    /// <summary>A required text setting.</summary>
    public string Text(string key) => OptionalText(key) ?? Missing(key, "", "a text");

    /// <summary>An optional text setting.</summary>
    public string? OptionalText(string key)
    {
        if (Take(key) is not { } value)
        {
            return null;
        }
        if (value.Text is null)
        {
            _errors.Add(new PlanError(value.ValueMark, $"'{key}' of component '{Component}' must be a single text, not a list"));
            return "";
        }
        return value.Text;
    }

    /// <summary>A required list setting (a single text counts as a list of one).</summary>
    public IReadOnlyList<string> List(string key)
    {
        var list = OptionalList(key);
        return list.Count > 0 ? list : Missing<IReadOnlyList<string>>(key, [], "a list");
    }

    /// <summary>An optional list setting; empty when absent.</summary>
    public IReadOnlyList<string> OptionalList(string key) =>
        Take(key) is { } value ? value.List ?? (value.Text is { Length: > 0 } text ? [text] : []) : [];

    /// <summary>A required path, made absolute against the plan's directory.</summary>
    public string Path(string key) => Resolve(Text(key));

    /// <summary>Required paths, made absolute against the plan's directory.</summary>
    public IReadOnlyList<string> Paths(string key) => [.. List(key).Select(Resolve)];

    /// <summary>
    /// An optional secret: <c>KEY-env: VARIABLE</c> or <c>KEY-file: PATH</c>. A literal <c>KEY:</c> is an error: secrets
    /// never go into the plan.
    /// </summary>
    public PlanSecret? OptionalSecret(string key)
    {
        if (Take(key) is { } literal)
        {
            _errors.Add(PlanSecret.LiteralError(literal.KeyMark, key));
        }
        var variable = OptionalText(key + "-env");
        var file = OptionalText(key + "-file");
        return variable is not null ? new PlanSecret(variable, null) : file is not null ? new PlanSecret(null, Resolve(file)) : null;
    }

    /// <summary>
    /// The value of an optional secret (<see cref="OptionalSecret"/>), read now; null when none is configured. While the
    /// plan is only being validated the secret is not read (it may live on another host) and a placeholder is returned.
    /// </summary>
    public string? OptionalSecretValue(string key) =>
        OptionalSecret(key) is { } secret ? validating ? "(not read while validating)" : secret.Read() : null;

    /// <summary>An optional duration such as <c>90s</c>, <c>30m</c> or <c>2h</c>; a malformed one is a plan error.</summary>
    public TimeSpan? OptionalDuration(string key)
    {
        if (OptionalText(key) is not { } text)
        {
            return null;
        }
        if (PlanDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }
        Invalid(key, $"'{text}' is not a positive duration", "write a number and a unit: 90s, 30m, 2h, 1d");
        return null;
    }

    /// <summary>Whether the plan is only being validated (nothing may be read or started).</summary>
    public bool Validating => validating;

    /// <summary>Records an error about the value of <paramref name="key"/> (e.g. a malformed URL).</summary>
    public void Invalid(string key, string message, string? hint = null) =>
        _errors.Add(new PlanError(settings.Values.TryGetValue(key, out var v) ? v.ValueMark : settings.Mark, message, hint));

    /// <summary>The errors found, including every key no read asked for.</summary>
    public IReadOnlyList<PlanError> Finish()
    {
        var known = _read.Concat(commonKeys).ToList();
        foreach (var value in settings.Values.Values.Where(v => !_read.Contains(v.Key)))
        {
            var suggestion = PlanSpelling.Suggest(value.Key, known);
            _errors.Add(new PlanError(value.KeyMark, $"unknown key '{value.Key}' in component '{Component}' (kind {settings.Kind})",
                suggestion is null ? $"keys of kind {settings.Kind}: {string.Join(", ", _read.Order())}" : $"did you mean '{suggestion}'?"));
        }
        return _errors;
    }

    private PlanSetting? Take(string key)
    {
        _read.Add(key);
        return settings.Values.GetValueOrDefault(key);
    }

    private T Missing<T>(string key, T fallback, string what)
    {
        if (!settings.Values.ContainsKey(key))
        {
            _errors.Add(new PlanError(settings.Mark, $"component '{Component}' (kind {settings.Kind}) needs '{key}:' ({what})"));
        }
        return fallback;
    }

    private string Resolve(string path) => path.Length == 0 ? path : System.IO.Path.GetFullPath(path, BaseDirectory);
}
