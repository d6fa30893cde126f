using System.Net;

namespace Lifeboat.Server.Hosting;

/// <summary>How <c>lifeboat serve</c> listens, stops and notifies; validated by the command line before the server starts.</summary>
public sealed record ServerOptions
{
    /// <summary>The default address: loopback only, so metrics and health are not exposed by accident.</summary>
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 9187);

    /// <summary>Where /health and /metrics are served; port 0 picks a free one.</summary>
    public IPEndPoint Listen { get; init; } = DefaultListen;

    /// <summary>How long in-flight runs may go on after SIGTERM before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where failures, RPO breaches and recoveries are posted.</summary>
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    /// <summary>Attempts per webhook post, the first included.</summary>
    public int WebhookAttempts { get; init; } = 5;

    /// <summary>The wait after the first failed webhook attempt, doubled after each further one.</summary>
    public TimeSpan WebhookInitialDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often every component's RPO is checked for a breach.</summary>
    public TimeSpan RpoCheckInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the components' WAL archives are read for /metrics and /health (each read lists the repository).</summary>
    public TimeSpan ArchiveCheckInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Parses <c>HOST:PORT</c> (an IP address; IPv6 in brackets).</summary>
    public static IPEndPoint ParseListen(string text)
    {
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }
        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal) || !text.Contains(':'))
        {
            throw new ArgumentException($"--listen '{text}' is not an address and port such as 127.0.0.1:9187 or [::1]:9187");
        }
        return endpoint;
    }
}
