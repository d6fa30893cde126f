using System.CommandLine;
using System.Runtime.InteropServices;
using Lifeboat.Plan;
using Lifeboat.Server.Archives;
using Lifeboat.Server.Health;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Plans;
using Lifeboat.Server.Scheduling;

namespace Lifeboat.Cli.Commands.Serve;

/// <summary>
/// <c>lifeboat serve [--plan FILE] [--listen 127.0.0.1:9187]</c>: the daemon that runs the plan's schedules and
/// serves /health and /metrics. Catch-up, retry and webhooks come from the plan unless the command line gives them. SIGTERM or Ctrl-C stops it cleanly (exit 0).
/// </summary>
public static class ServeCommand
{
    private static readonly Option<string?> PlanFile = PlanOption.Create();

    private static readonly Option<string> Listen = new("--listen")
    {
        Description = "Address and port of /health and /metrics; loopback unless you say otherwise",
        DefaultValueFactory = _ => "127.0.0.1:9187",
    };

    /// <summary>Whitespace-separated webhook URLs, added to those given with --webhook.</summary>
    public const string WebhookVariable = "LIFEBOAT_WEBHOOK_URLS";

    private static readonly Option<string[]> Webhooks = new("--webhook")
    {
        Description = $"POST a Slack-compatible JSON message to this URL on failure, RPO breach and recovery (repeatable; also ${WebhookVariable}); replaces the plan's notify: webhooks",
    };

    private static readonly Option<string?> CatchUp = new("--catch-up")
    {
        Description = "Runs missed while the daemon was down or a run overran: 'once' runs one right away, 'skip' waits for the next (overrides the plan's catch-up:; default once)",
    };

    private static readonly Option<int?> Attempts = new("--attempts")
    {
        Description = "Attempts per run before it counts as failed, the first included (overrides the plan's retry: attempts; default 3)",
    };

    private static readonly Option<string?> RetryDelay = new("--retry-delay")
    {
        Description = "Wait after the first failed attempt, doubled after each further one, e.g. 1m, 30s (overrides the plan's retry: delay; default 1m)",
    };

    private static readonly Option<string> Grace = new("--shutdown-grace")
    {
        Description = "On SIGTERM, how long running backups may go on before they are cancelled (nothing half-written is committed)",
        DefaultValueFactory = _ => "30s",
    };

    private static readonly Option<string> ArchiveInterval = new("--archive-check-interval")
    {
        Description = "How often the WAL archives of physical PostgreSQL components are read for /metrics and /health (each read lists the repository)",
        DefaultValueFactory = _ => "1m",
    };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("serve", "Run the plan's schedules as a daemon, with /health, /health/ready and /metrics (Prometheus)")
        {
            PlanFile, Listen, Webhooks, CatchUp, Attempts, RetryDelay, Grace, ArchiveInterval,
        };
        command.SetBody(RunAsync);
        return command;
    }

    /// <summary>
    /// Whether <paramref name="parse"/> runs this command, which handles SIGTERM and Ctrl-C itself (stopping after its
    /// grace period) instead of the command line's two-second termination timeout.
    /// </summary>
    public static bool HandlesSignals(ParseResult parse) => parse.CommandResult.Command.Name == "serve";

    private static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var parse = context.Parse;
        // A Slack webhook URL is a secret: the variable keeps it out of the process list and shell history.
        var givenWebhooks = (parse.GetValue(Webhooks) ?? [])
            .Concat((Environment.GetEnvironmentVariable(WebhookVariable) ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Select(ParseUrl)
            .ToList();
        CatchUpPolicy? catchUp = parse.GetValue(CatchUp) switch
        {
            null => null,
            "once" => CatchUpPolicy.Once,
            "skip" => CatchUpPolicy.Skip,
            var other => throw new UsageException($"--catch-up '{other}' is neither 'once' nor 'skip'"),
        };
        var attempts = parse.GetValue(Attempts);
        if (attempts is < 1 or > PlanRetry.MaxAttempts)
        {
            throw new UsageException($"--attempts {attempts} is outside 1..{PlanRetry.MaxAttempts}");
        }
        var delay = parse.GetValue(RetryDelay) is { } delayText ? Duration(delayText, "--retry-delay", allowZero: false) : (TimeSpan?)null;
        var grace = Duration(parse.GetValue(Grace)!, "--shutdown-grace", allowZero: true);
        var archiveInterval = Duration(parse.GetValue(ArchiveInterval)!, "--archive-check-interval", allowZero: false);

        var file = PlanOption.Locate(parse, PlanFile);
        var kinds = PlanKinds.Create();
        var plan = PlanLoader.Load(file, kinds);
        var components = PlanScheduling.Components(plan, catchUp, attempts, delay);
        var options = new ServerOptions
        {
            Listen = ServerOptions.ParseListen(parse.GetValue(Listen)!),
            // Webhooks given to the command replace the plan's notify: webhooks (whose secrets are then not read).
            Webhooks = givenWebhooks.Count > 0 ? givenWebhooks : PlanScheduling.Webhooks(plan),
            ShutdownGrace = grace,
            ArchiveCheckInterval = archiveInterval,
        };
        if (components.Count == 0)
        {
            throw new UsageException($"the plan {file} schedules no component: give a component 'schedule:' (a cron expression) to run it as a daemon");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Console.Error.WriteLine($"lifeboat serve: {signal.Signal}: no new runs start; running ones have {options.ShutdownGrace} to finish");
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        var histories = await PlanHistory.LoadAsync(plan, components, Console.Error, stop.Token);
        var probes = plan.Repositories.Values
            .Where(r => plan.Components.Any(c => c.Repository == r.Name))
            .Select(r => RepositoryProbe.For(r.OpenStore(), () => r.ReadPassword()) with { Name = $"repository '{r.Name}'" })
            .Append(PlanProbe.For(file, kinds))
            .ToList();
        var archives = new ArchiveMonitor(plan, new PostgresArchiveHealth(), TimeProvider.System);
        var server = new LifeboatServer(options, components, new PlanComponentRunner(plan, kinds, TimeProvider.System), histories, probes, TimeProvider.System, Console.Error)
        {
            Archives = archives.Components.Count > 0 ? archives : null,
        };
        var running = server.RunAsync(stop.Token);
        if (await Task.WhenAny(server.Address, running) == server.Address)
        {
            var address = await server.Address;
            await Console.Error.WriteLineAsync($"lifeboat serve: {components.Count} component(s) scheduled from {file}; /health and /metrics on {address}");
            foreach (var component in components)
            {
                await Console.Error.WriteLineAsync($"  {component.Name}: {component.Schedule.Description}, catch-up {component.CatchUp.ToString().ToLowerInvariant()}, {component.Retry.MaxAttempts} attempt(s) {PlanDuration.Format(component.Retry.InitialDelay)} apart at first");
            }
        }
        await running;
        await Console.Error.WriteLineAsync("lifeboat serve: stopped");
        return ExitCodes.Success;
    }

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"webhook '{text}' (from --webhook or ${WebhookVariable}) is not an http(s) URL");

    private static TimeSpan Duration(string text, string option, bool allowZero)
    {
        if (allowZero && text.Trim() is "0" or "0s")
        {
            return TimeSpan.Zero;
        }
        return PlanDuration.TryParse(text, out var duration)
            ? duration
            : throw new UsageException($"{option} '{text}' is not a duration such as 30s, 5m or 1h");
    }
}
