using Lifeboat.Plan.Running;
using Lifeboat.Sources;

namespace Lifeboat.Plan;

/// <summary>
/// The component kinds this build can run: kind → factory that reads the component's settings and builds its runner.
/// A source kind is one line in <see cref="CreateDefault"/>. Kinds that are planned but not in this build are known by
/// name, so a plan using them fails validation with "not available in this build" instead of "unknown kind".
/// </summary>
public sealed class ComponentKinds
{
    /// <summary>Keys every component has, whatever its kind (read by the plan loader, not by the kind's factory).</summary>
    public static readonly IReadOnlyList<string> CommonKeys =
        ["kind", "repository", "schedule", "retention", "rpo", "rto", "depends-on", "hooks", "verify", "tags", "catch-up", "retry"];

    private readonly Dictionary<string, Func<ComponentSettingsReader, IComponentRunner>?> _kinds = new(StringComparer.Ordinal);

    /// <summary>
    /// The kinds of this build. A source kind joins with one line (and a project reference), replacing its
    /// <c>AddPlanned</c>, e.g.
    /// <c>.AddSource("sqlite", s => new SqliteSource(s.Path("file")))</c> or
    /// <c>.AddSource("redis", s => new RedisSource(RedisEndpoint.Parse(s.Text("url")) with { Password = s.OptionalSecretValue("password") }))</c>;
    /// the settings a factory reads are the kind's keys, and any other key is reported as unknown.
    /// </summary>
    public static ComponentKinds CreateDefault() => new ComponentKinds()
        .Add("files", FilesRunner.Create)
        .AddSource("command", s => new CommandSource(s.List("command"), s.OptionalText("stream") ?? "output", s.BaseDirectory, s.OptionalDuration("timeout")))
        .AddPlanned("postgres")
        .AddPlanned("redis")
        .AddPlanned("sqlite")
        .AddPlanned("bucket");

    /// <summary>
    /// What a plan's retention step does after it removed snapshots, with the repository still locked exclusively
    /// (PostgreSQL: expire the WAL no kept base backup needs); it throws to fail the step. Null: nothing.
    /// </summary>
    public Func<Repository.Repository, IReadOnlyList<Snapshots.Snapshot>, CancellationToken, Task>? AfterForget { get; private set; }

    /// <summary>Sets <see cref="AfterForget"/>.</summary>
    public ComponentKinds OnForget(Func<Repository.Repository, IReadOnlyList<Snapshots.Snapshot>, CancellationToken, Task> after)
    {
        AfterForget = after;
        return this;
    }

    /// <summary>
    /// What a plan's offsite copy sends before the snapshots, from the source repository to the offsite one
    /// (PostgreSQL: the WAL archive, without which the copied physical base backups cannot be restored); it throws to
    /// fail the step, and then no snapshot is copied. Null: nothing.
    /// </summary>
    public Func<Repository.Repository, Repository.Repository, CancellationToken, Task>? BeforeCopy { get; private set; }

    /// <summary>Sets <see cref="BeforeCopy"/>.</summary>
    public ComponentKinds OnCopy(Func<Repository.Repository, Repository.Repository, CancellationToken, Task> before)
    {
        BeforeCopy = before;
        return this;
    }

    /// <summary>Every kind name, available or planned.</summary>
    public IEnumerable<string> Names => _kinds.Keys;

    /// <summary>Registers a kind with its own runner.</summary>
    public ComponentKinds Add(string kind, Func<ComponentSettingsReader, IComponentRunner> factory)
    {
        _kinds[kind] = factory;
        return this;
    }

    /// <summary>Registers a kind backed up through an <see cref="ISource"/> built from the settings.</summary>
    public ComponentKinds AddSource(string kind, Func<ComponentSettingsReader, ISource> factory) =>
        Add(kind, settings => new SourceRunner(factory(settings)));

    /// <summary>Names a kind that exists in the plan format but not in this build.</summary>
    public ComponentKinds AddPlanned(string kind)
    {
        _kinds.TryAdd(kind, null);
        return this;
    }

    /// <summary>Whether <paramref name="kind"/> is known at all.</summary>
    public bool IsKnown(string kind) => _kinds.ContainsKey(kind);

    /// <summary>Whether this build can run <paramref name="kind"/>.</summary>
    public bool IsAvailable(string kind) => _kinds.GetValueOrDefault(kind) is not null;

    /// <summary>Checks a component's settings for its kind; returns every error (empty when it can run).</summary>
    public IReadOnlyList<PlanError> Validate(ComponentSettings settings) =>
        Build(settings, validating: true).Errors;

    /// <summary>Builds the runner of a validated component; throws <see cref="InvalidOperationException"/> when it cannot.</summary>
    public IComponentRunner CreateRunner(PlanComponent component)
    {
        var (runner, errors) = Build(component.Settings, validating: false);
        return errors.Count == 0 && runner is not null
            ? runner
            : throw new InvalidOperationException($"component '{component.Name}' cannot run: {string.Join("; ", errors)}");
    }

    private (IComponentRunner? Runner, IReadOnlyList<PlanError> Errors) Build(ComponentSettings settings, bool validating)
    {
        if (!_kinds.TryGetValue(settings.Kind, out var factory))
        {
            return (null, [new PlanError(settings.Mark, $"unknown kind '{settings.Kind}'", $"kinds: {string.Join(", ", Names)}")]);
        }
        if (factory is null)
        {
            return (null, [new PlanError(settings.Mark, $"kind '{settings.Kind}' of component '{settings.Component}' is not available in this build",
                $"kinds this build can run: {string.Join(", ", _kinds.Where(k => k.Value is not null).Select(k => k.Key))}")]);
        }
        var reader = new ComponentSettingsReader(settings, CommonKeys, validating);
        try
        {
            var runner = factory(reader);
            return (runner, reader.Finish());
        }
        catch (Exception e) when (validating && e is ArgumentException or FormatException or InvalidOperationException)
        {
            // A factory that parses a setting (a URL, a number) throws on a malformed one: that is a plan error.
            return (null, [.. reader.Finish(), new PlanError(settings.Mark, $"component '{settings.Component}' (kind {settings.Kind}): {e.Message}")]);
        }
    }
}
