using System.Text.Json.Serialization;

namespace Lifeboat.Runs;

/// <summary>
/// The outcome of one plan run of one component, kept in the repository (<c>runs/</c>) next to its snapshots so the
/// history of failures survives the loss of the host that ran it. Stored as sealed JSON (associated data
/// "lifeboat-run") named by the SHA-256 of the stored bytes.
/// </summary>
public sealed record RunRecord
{
    /// <summary>Outcome of a run that recorded its snapshot and everything after it worked.</summary>
    public const string Success = "success";
    /// <summary>Outcome of a run that failed (the error says where; a snapshot may still have been recorded).</summary>
    public const string Failed = "failed";
    /// <summary>Outcome of a run that did not start because a component it depends on failed.</summary>
    public const string Skipped = "skipped";

    /// <summary>Format version; 1.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    /// <summary>The plan component.</summary>
    [JsonPropertyName("component")] public required string Component { get; init; }
    /// <summary>The component's kind.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    /// <summary>The host that ran it.</summary>
    [JsonPropertyName("host")] public required string Host { get; init; }
    /// <summary>What started it: "manual" (the CLI) or "schedule" (the daemon).</summary>
    [JsonPropertyName("trigger")] public string Trigger { get; init; } = "manual";
    /// <summary>When the run started (UTC).</summary>
    [JsonPropertyName("start")] public DateTimeOffset Start { get; init; }
    /// <summary>When the run ended (UTC).</summary>
    [JsonPropertyName("end")] public DateTimeOffset End { get; init; }
    /// <summary><see cref="Success"/>, <see cref="Failed"/> or <see cref="Skipped"/>.</summary>
    [JsonPropertyName("outcome")] public required string Outcome { get; init; }
    /// <summary>The snapshot recorded (hex), if any.</summary>
    [JsonPropertyName("snapshot")] public string? Snapshot { get; init; }
    /// <summary>Bytes read from the source.</summary>
    [JsonPropertyName("bytesRead")] public long BytesRead { get; init; }
    /// <summary>Bytes written to the repository (packs and indexes).</summary>
    [JsonPropertyName("bytesStored")] public long BytesStored { get; init; }
    /// <summary>Snapshots removed by the retention policy after the backup.</summary>
    [JsonPropertyName("forgotten")] public int Forgotten { get; init; }
    /// <summary>Snapshots copied to the offsite repository.</summary>
    [JsonPropertyName("copied")] public int Copied { get; init; }
    /// <summary>What went wrong, when the outcome is not success.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }

    /// <summary>How long the run took.</summary>
    [JsonIgnore] public TimeSpan Duration => End - Start;

    /// <summary>
    /// The failure a component is in: its newest run (of <paramref name="runs"/>, one component's records, oldest
    /// first) when that run failed or was skipped and no snapshot of the component was taken after it ended
    /// (<paramref name="newestSnapshot"/>); null when the newest run succeeded or a later backup made up for it.
    /// <c>lifeboat status</c> and the daemon's health both decide "failed" by this rule.
    /// </summary>
    public static RunRecord? UnresolvedFailure(IReadOnlyList<RunRecord> runs, DateTimeOffset? newestSnapshot) =>
        runs.Count > 0 && runs[^1] is { Outcome: not Success } last && !(newestSnapshot > last.End) ? last : null;
}
