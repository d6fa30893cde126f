namespace Lifeboat.Plan;

/// <summary>A verification query and the result it must return (as text).</summary>
public sealed record VerifyQuery(string Query, string Expect);
