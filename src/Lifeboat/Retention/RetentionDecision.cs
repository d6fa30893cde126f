using Lifeboat.Crypto;
using Lifeboat.Snapshots;

namespace Lifeboat.Retention;

/// <summary>What the policy decided for one snapshot and why (the rules that keep it; none when it goes).</summary>
public sealed record RetentionDecision(Digest Id, Snapshot Snapshot, string Group, bool Keep, IReadOnlyList<string> Reasons);
