using System.Text.RegularExpressions;
using Lifeboat.Plan.Cron;
using Lifeboat.Retention;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Plan;

/// <summary>Reads one component of the plan: its common keys here, its kind-specific settings through its kind.</summary>
internal sealed partial class ComponentReader(PlanNodes nodes, ComponentKinds kinds, IReadOnlyDictionary<string, PlanRepository> repositories,
    string baseDirectory, PlanDefaults defaults)
{
    private static readonly string[] ScheduleKeys = ["cron", "timezone", "tags"];
    private static readonly string[] ScheduleTagKeys = [ScheduleTags.WeeklyTag, ScheduleTags.MonthlyTag];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] RetentionKeys =
        ["keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "keep-within", "keep-tag", "timezone"];
    private static readonly string[] HookKeys = ["pre-backup", "post-backup", "pre-restore", "post-restore"];
    private static readonly string[] VerifyKeys = ["queries", "files"];
    private static readonly string[] QueryKeys = ["query", "expect"];

    private readonly Dictionary<string, List<(string Name, YamlNode Node)>> _dependencies = [];

    [GeneratedRegex(@"^(?:s3:)?[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlWithPassword();

    /// <summary>Whether a URL carries a password (<c>scheme://user:password@host</c>).</summary>
    public static bool HasPasswordInUrl(string text) => UrlWithPassword().IsMatch(text);

    /// <summary>Reads a component; null when it has errors (recorded in the nodes).</summary>
    public PlanComponent? Read(string name, YamlNode keyNode, YamlNode node)
    {
        var before = nodes.Errors.Count;
        if (node is not YamlMappingNode)
        {
            nodes.Error(node, $"component '{name}' must be a mapping with at least 'kind:'");
            return null;
        }
        string? kind = null;
        string? repository = null;
        PlanSchedule? schedule = null;
        YamlNode? retentionNode = null;
        TimeSpan? rpo = null, rto = null;
        PlanCatchUp? catchUp = null;
        PlanRetry? retry = null;
        var hooks = new PlanHooks();
        var verify = new PlanVerify();
        var tags = new List<string>();
        var dependencies = new List<(string, YamlNode)>();
        var settings = new Dictionary<string, PlanSetting>(StringComparer.Ordinal);
        foreach (var (key, keyNodeOfSetting, value) in nodes.Entries(node, $"component '{name}'"))
        {
            switch (key)
            {
                case "kind":
                    kind = nodes.Text(value, "kind");
                    if (kind is not null && !kinds.IsKnown(kind))
                    {
                        nodes.Error(value, $"unknown kind '{kind}' for component '{name}'", PlanLoader.Suggest(kind, kinds.Names, "kinds") is var s && s.StartsWith("did", StringComparison.Ordinal) ? s : $"kinds: {string.Join(", ", kinds.Names)}");
                        kind = null;
                    }
                    break;
                case "repository":
                    repository = nodes.Text(value, "repository");
                    if (repository is not null && !repositories.ContainsKey(repository))
                    {
                        nodes.Error(value, $"component '{name}' refers to unknown repository '{repository}'", PlanLoader.Suggest(repository, repositories.Keys, "repositories"));
                    }
                    break;
                case "schedule":
                    schedule = Schedule(value);
                    break;
                case "retention":
                    retentionNode = value;
                    break;
                case "rpo":
                    rpo = nodes.Duration(value, "rpo");
                    break;
                case "rto":
                    rto = nodes.Duration(value, "rto");
                    break;
                case "depends-on":
                    dependencies.AddRange(nodes.TextList(value, "depends-on"));
                    break;
                case "hooks":
                    hooks = Hooks(value, name);
                    break;
                case "verify":
                    verify = Verify(value, name);
                    break;
                case "catch-up":
                    catchUp = nodes.CatchUp(value, $"catch-up of component '{name}'");
                    break;
                case "retry":
                    retry = nodes.Retry(value, $"retry of component '{name}'");
                    break;
                case "tags":
                    tags.AddRange(nodes.TextList(value, "tags").Select(t => t.Text));
                    break;
                default:
                    Setting(name, key, keyNodeOfSetting, value, settings);
                    break;
            }
        }
        var mapping = (YamlMappingNode)node;
        if (!mapping.Children.ContainsKey(new YamlScalarNode("kind")))
        {
            nodes.Error(keyNode, $"component '{name}' needs 'kind:'", $"kinds: {string.Join(", ", kinds.Names)}");
        }
        if (!mapping.Children.ContainsKey(new YamlScalarNode("repository")))
        {
            // Offsite copies are not backed up into directly: one repository left over is the obvious default.
            var primaries = repositories.Keys.Where(r => !repositories.Values.Any(o => o.Offsite == r)).ToList();
            if (primaries.Count == 1)
            {
                repository = primaries[0];
            }
            else if (repositories.Count > 0)
            {
                nodes.Error(keyNode, $"component '{name}' needs 'repository:' because the plan has several", $"one of: {string.Join(", ", primaries.Count > 0 ? primaries : repositories.Keys)}");
            }
        }
        var retention = retentionNode is null ? null : Retention(retentionNode, name, schedule?.TimeZone);
        _dependencies[name] = dependencies;
        if (kind is not null)
        {
            var componentSettings = new ComponentSettings
            {
                Component = name, Kind = kind, Mark = PlanNodes.MarkOf(keyNode), BaseDirectory = baseDirectory, Values = settings,
            };
            nodes.Errors.AddRange(kinds.Validate(componentSettings));
            if (nodes.Errors.Count == before && repository is not null)
            {
                return new PlanComponent
                {
                    Name = name, Kind = kind, Repository = repository, Settings = componentSettings, Schedule = schedule, Retention = retention,
                    Rpo = rpo, Rto = rto, DependsOn = [.. dependencies.Select(d => d.Item1)], Hooks = hooks, Verify = verify, Tags = tags,
                    CatchUp = catchUp ?? defaults.CatchUp, Retry = retry?.Over(defaults.Retry) ?? defaults.Retry, Mark = PlanNodes.MarkOf(keyNode),
                };
            }
        }
        return null;
    }

    /// <summary>Reports dependencies on unknown components, on themselves, and cycles.</summary>
    public void CheckDependencies(IReadOnlyList<PlanComponent> components)
    {
        foreach (var (name, dependencies) in _dependencies)
        {
            foreach (var (dependency, node) in dependencies)
            {
                if (dependency == name)
                {
                    nodes.Error(node, $"component '{name}' depends on itself", "remove it from depends-on");
                }
                else if (!_dependencies.ContainsKey(dependency))
                {
                    nodes.Error(node, $"component '{name}' depends on unknown component '{dependency}'", PlanLoader.Suggest(dependency, _dependencies.Keys, "components"));
                }
            }
        }
        var graph = _dependencies.ToDictionary(d => d.Key, d => d.Value.Select(x => x.Name).Where(x => x != d.Key && _dependencies.ContainsKey(x)).ToList());
        if (DependencyOrder.FindCycle(graph) is { } cycle)
        {
            var node = _dependencies[cycle[0]].First(d => d.Name == cycle[1]).Node;
            nodes.Error(node, $"dependency cycle: {string.Join(" → ", cycle)}", "remove one of these depends-on entries; a cycle can never start");
        }
    }

    private PlanSchedule? Schedule(YamlNode node)
    {
        YamlNode? cronNode = node;
        YamlNode? tagsNode = null;
        var zone = TimeZoneInfo.Utc;
        if (node is YamlMappingNode)
        {
            cronNode = null;
            foreach (var (key, _, value) in nodes.Entries(node, "schedule", ScheduleKeys))
            {
                switch (key)
                {
                    case "cron":
                        cronNode = value;
                        break;
                    case "tags":
                        tagsNode = value;
                        break;
                    default:
                        zone = nodes.TimeZone(value) ?? zone;
                        break;
                }
            }
            if (cronNode is null)
            {
                nodes.Error(node, "schedule needs 'cron:'", "e.g. cron: \"0 2 * * *\" (02:00 every day) or cron: \"@hourly\"");
                return null;
            }
        }
        var text = nodes.Text(cronNode, "schedule");
        if (text is null)
        {
            return null;
        }
        CronSchedule cron;
        try
        {
            cron = CronSchedule.Parse(text);
        }
        catch (CronFormatException e)
        {
            var start = PlanNodes.MarkOf(cronNode);
            var quoted = cronNode is YamlScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted } ? 1 : 0;
            var column = e.Field == 0 ? start.Column : start.Column + quoted + e.Offset;
            nodes.Errors.Add(new PlanError(new PlanMark(start.Line, column), e.Message,
                "fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or JAN-DEC) day-of-week (0-7 or SUN-SAT); or @hourly, @daily, @weekly, @monthly"));
            return null;
        }
        return new PlanSchedule(cron, zone) { Tags = tagsNode is null ? ScheduleTags.None : ScheduleTagsOf(tagsNode, cron) };
    }

    // tags: { weekly: SUN, monthly: 1 }; a day the cron expression never runs on is an error, since no run would get the tag.
    private ScheduleTags ScheduleTagsOf(YamlNode node, CronSchedule cron)
    {
        var tags = ScheduleTags.None;
        var entries = nodes.Entries(node, "schedule tags", ScheduleTagKeys);
        foreach (var (key, _, value) in entries)
        {
            if (nodes.Text(value, $"{key} of schedule tags") is not { } text)
            {
                continue;
            }
            if (key == ScheduleTags.WeeklyTag)
            {
                // SUN-SAT as in cron, or the whole name; DayNames is in DayOfWeek order.
                var index = Array.FindIndex(DayNames, d => text.Equals(d, StringComparison.OrdinalIgnoreCase)
                    || text.Equals(((DayOfWeek)Array.IndexOf(DayNames, d)).ToString(), StringComparison.OrdinalIgnoreCase));
                if (index < 0 && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number <= 7)
                {
                    index = number % 7;
                }
                if (index < 0)
                {
                    nodes.Error(value, $"weekly '{text}' is not a day of the week", "write SUN, MON, TUE, WED, THU, FRI or SAT (or 0-7, 0 and 7 are Sunday)");
                    continue;
                }
                var day = (DayOfWeek)index;
                if (!cron.RunsOnSomeDay(d => d.DayOfWeek == day))
                {
                    nodes.Error(value, $"the schedule '{cron.Text}' never runs on a {day}, so no run would be tagged weekly", "pick a day the cron expression runs on");
                    continue;
                }
                tags = tags with { Weekly = day };
            }
            else
            {
                int monthly;
                if (string.Equals(text, "last", StringComparison.OrdinalIgnoreCase))
                {
                    monthly = ScheduleTags.LastDay;
                }
                else if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out monthly) || monthly is < 1 or > 28)
                {
                    nodes.Error(value, $"monthly '{text}' is not a day every month has", "write a day from 1 to 28, or 'last' for the last day of each month");
                    continue;
                }
                var candidate = tags with { Monthly = monthly };
                if (!cron.RunsOnSomeDay(candidate.IsMonthly))
                {
                    nodes.Error(value, $"the schedule '{cron.Text}' never runs on day {text} of a month, so no run would be tagged monthly", "pick a day the cron expression runs on");
                    continue;
                }
                tags = candidate;
            }
        }
        if (entries.Count == 0 && (PlanNodes.IsEmpty(node) || node is YamlMappingNode { Children.Count: 0 }))
        {
            nodes.Error(node, "schedule tags must be a mapping such as { weekly: SUN, monthly: 1 }", "weekly: the day of the week whose run is tagged weekly; monthly: the day of the month (1-28 or last)");
        }
        return tags;
    }

    private RetentionPolicy? Retention(YamlNode node, string component, TimeZoneInfo? scheduleZone)
    {
        var policy = new RetentionPolicy { TimeZone = scheduleZone ?? TimeZoneInfo.Utc };
        foreach (var (key, _, value) in nodes.Entries(node, $"retention of component '{component}'", RetentionKeys))
        {
            switch (key)
            {
                case "keep-last": policy = policy with { Last = nodes.Count(value, key) ?? 0 }; break;
                case "keep-hourly": policy = policy with { Hourly = nodes.Count(value, key) ?? 0 }; break;
                case "keep-daily": policy = policy with { Daily = nodes.Count(value, key) ?? 0 }; break;
                case "keep-weekly": policy = policy with { Weekly = nodes.Count(value, key) ?? 0 }; break;
                case "keep-monthly": policy = policy with { Monthly = nodes.Count(value, key) ?? 0 }; break;
                case "keep-yearly": policy = policy with { Yearly = nodes.Count(value, key) ?? 0 }; break;
                case "keep-tag": policy = policy with { Tags = [.. nodes.TextList(value, key).Select(t => t.Text)] }; break;
                case "timezone": policy = policy with { TimeZone = nodes.TimeZone(value) ?? policy.TimeZone }; break;
                case "keep-within":
                    if (nodes.Text(value, key) is { } span)
                    {
                        try
                        {
                            policy = policy with { Within = CalendarSpan.Parse(span) };
                        }
                        catch (ArgumentException e)
                        {
                            nodes.Error(value, $"keep-within: {e.Message}");
                        }
                    }
                    break;
            }
        }
        if (policy.IsEmpty)
        {
            nodes.Error(node, $"the retention of component '{component}' keeps nothing",
                "give at least one rule, e.g. keep-daily: 7; leave 'retention:' out to keep every snapshot");
            return null;
        }
        return policy;
    }

    private PlanHooks Hooks(YamlNode node, string component)
    {
        var hooks = new PlanHooks();
        foreach (var (key, _, value) in nodes.Entries(node, $"hooks of component '{component}'", HookKeys))
        {
            HookCommand? command = value is YamlSequenceNode
                ? nodes.TextList(value, key) is { Count: > 0 } argv ? new HookCommand([.. argv.Select(a => a.Text)]) : null
                : nodes.Text(value, key) is { } text ? HookCommand.Shell(text) : null;
            hooks = key switch
            {
                "pre-backup" => hooks with { PreBackup = command },
                "post-backup" => hooks with { PostBackup = command },
                "pre-restore" => hooks with { PreRestore = command },
                _ => hooks with { PostRestore = command },
            };
        }
        return hooks;
    }

    private PlanVerify Verify(YamlNode node, string component)
    {
        var verify = new PlanVerify();
        foreach (var (key, _, value) in nodes.Entries(node, $"verify of component '{component}'", VerifyKeys))
        {
            if (key == "files")
            {
                verify = verify with { Files = [.. nodes.TextList(value, "verify files").Select(t => t.Text)] };
                continue;
            }
            if (value is not YamlSequenceNode queries)
            {
                nodes.Error(value, "verify queries must be a list of { query: ..., expect: ... }");
                continue;
            }
            var list = new List<VerifyQuery>();
            foreach (var item in queries.Children)
            {
                string? query = null, expect = null;
                foreach (var (field, _, text) in nodes.Entries(item, "a verify query", QueryKeys))
                {
                    if (field == "query")
                    {
                        query = nodes.Text(text, "query");
                    }
                    else
                    {
                        expect = text is YamlScalarNode { Value: var v } ? v ?? "" : nodes.Text(text, "expect");
                    }
                }
                if (query is null || expect is null)
                {
                    nodes.Error(item, "a verify query needs both 'query:' and 'expect:'", "e.g. { query: \"SELECT count(*) FROM users\", expect: \"42\" }");
                    continue;
                }
                list.Add(new VerifyQuery(query, expect));
            }
            verify = verify with { Queries = list };
        }
        return verify;
    }

    private void Setting(string component, string key, YamlNode keyNode, YamlNode value, Dictionary<string, PlanSetting> settings)
    {
        if (PlanSecret.IsSecretKey(key))
        {
            nodes.Errors.Add(PlanSecret.LiteralError(PlanNodes.MarkOf(keyNode), key));
            return;
        }
        if (value is YamlMappingNode)
        {
            var suggestion = PlanSpelling.Suggest(key, ComponentKinds.CommonKeys);
            nodes.Error(keyNode, $"unknown key '{key}' in component '{component}'",
                suggestion is null ? "kind settings are texts or lists of texts" : $"did you mean '{suggestion}'?");
            return;
        }
        var list = value is YamlSequenceNode ? nodes.TextList(value, key).Select(t => t.Text).ToList() : null;
        var text = value is YamlScalarNode scalar ? (PlanNodes.IsEmpty(value) ? "" : scalar.Value ?? "") : null;
        foreach (var item in list ?? (text is null ? [] : [text]))
        {
            if (HasPasswordInUrl(item))
            {
                nodes.Error(value, $"'{key}' of component '{component}' holds a password in a URL",
                    "leave the password out of the URL and name its variable or file with password-env: / password-file:");
                break;
            }
        }
        settings[key] = new PlanSetting(key, PlanNodes.MarkOf(keyNode), PlanNodes.MarkOf(value), text, list);
    }
}
