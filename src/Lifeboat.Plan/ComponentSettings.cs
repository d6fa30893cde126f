namespace Lifeboat.Plan;

/// <summary>
/// A component's kind-specific settings (every key that is not common to all components), as written. Read through a
/// <see cref="ComponentSettingsReader"/>, which the kind's factory uses and which reports what is missing or unknown.
/// </summary>
public sealed record ComponentSettings
{
    /// <summary>The component's name.</summary>
    public required string Component { get; init; }
    /// <summary>The component's kind.</summary>
    public required string Kind { get; init; }
    /// <summary>Where the component is defined (errors about missing keys point here).</summary>
    public required PlanMark Mark { get; init; }
    /// <summary>The directory relative paths are resolved against.</summary>
    public required string BaseDirectory { get; init; }
    /// <summary>The settings by key.</summary>
    public required IReadOnlyDictionary<string, PlanSetting> Values { get; init; }
}
