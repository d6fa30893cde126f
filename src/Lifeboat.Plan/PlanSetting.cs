namespace Lifeboat.Plan;

/// <summary>One kind-specific setting of a component as written: a text or a list of texts, and where it is.</summary>
public sealed record PlanSetting(string Key, PlanMark KeyMark, PlanMark ValueMark, string? Text, IReadOnlyList<string>? List);
