using System.Text.Json.Nodes;

namespace Lifeboat.Server.Webhooks;

/// <summary>One notification: what happened to which component, when, and the figures that explain it.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Component">The component.</param>
/// <param name="Time">When it happened.</param>
/// <param name="Summary">One sentence for a person, without the component name's decoration.</param>
/// <param name="Error">The error of a failure, else null.</param>
/// <param name="Age">Age of the newest successful backup, or null when there is none.</param>
/// <param name="Rpo">The RPO target, or null.</param>
public sealed record WebhookEvent(WebhookEventKind Kind, string Component, DateTimeOffset Time, string Summary, string? Error, TimeSpan? Age, TimeSpan? Rpo)
{
    /// <summary>The event's name in the JSON body: failure, rpo_breach or recovery.</summary>
    public string Name => Kind switch
    {
        WebhookEventKind.Failure => "failure",
        WebhookEventKind.RpoBreach => "rpo_breach",
        _ => "recovery",
    };

    /// <summary>
    /// The body: a Slack incoming-webhook message (<c>text</c>, and <c>attachments</c> with <c>fields</c>) plus a
    /// <c>lifeboat</c> object with the same facts for programs.
    /// </summary>
    public JsonObject ToJson(string host)
    {
        var (icon, color) = Kind switch
        {
            WebhookEventKind.Failure => (":x:", "danger"),
            WebhookEventKind.RpoBreach => (":warning:", "warning"),
            _ => (":white_check_mark:", "good"),
        };
        var fields = new JsonArray
        {
            Field("component", Component),
            Field("event", Name),
            Field("host", host),
            Field("time", Time.ToString("O")),
        };
        if (Age is { } age)
        {
            fields.Add(Field("backup age", Format(age)));
        }
        if (Rpo is { } rpo)
        {
            fields.Add(Field("RPO", Format(rpo)));
        }
        if (Error is not null)
        {
            fields.Add(new JsonObject { ["title"] = "error", ["value"] = Error, ["short"] = false });
        }
        return new JsonObject
        {
            ["text"] = $"{icon} lifeboat on {host}: {Summary}",
            ["attachments"] = new JsonArray { new JsonObject { ["color"] = color, ["fields"] = fields } },
            ["lifeboat"] = new JsonObject
            {
                ["event"] = Name,
                ["component"] = Component,
                ["host"] = host,
                ["time"] = Time.ToString("O"),
                ["error"] = Error,
                ["ageSeconds"] = Age?.TotalSeconds,
                ["rpoSeconds"] = Rpo?.TotalSeconds,
            },
        };
    }

    private static JsonObject Field(string title, string value) => new() { ["title"] = title, ["value"] = value, ["short"] = true };

    private static string Format(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : $"{span.TotalMinutes:0.#} min";
}
