using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>A file in <c>snapshots/</c> with a snapshot's name that cannot be read: its ID and why.</summary>
/// <param name="Id">The snapshot's ID (its file name).</param>
/// <param name="Reason">What is wrong with it (hash mismatch, failed authentication, invalid JSON or fields).</param>
public sealed record DamagedSnapshot(Digest Id, string Reason)
{
    /// <summary>One line for messages: "snapshot 1a2b3c4d: reason" (the reason already names the snapshot).</summary>
    public override string ToString() => Reason;
}
