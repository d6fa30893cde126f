using System.Text.RegularExpressions;
using Lifeboat.Storage.S3;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lifeboat.Plan;

/// <summary>
/// Reads and validates a plan file. Every mistake is collected with its line, column and a hint (unknown keys with a
/// "did you mean", bad cron fields, unknown time zones, unknown references, dependency cycles, secrets written into
/// the plan) before anything runs; only a plan without errors becomes a <see cref="BackupPlan"/>.
/// </summary>
public static partial class PlanLoader
{
    /// <summary>The plan file looked for in the current directory.</summary>
    public const string DefaultFileName = "lifeboat.yaml";

    /// <summary>The environment variable naming the plan file.</summary>
    public const string PlanVariable = "LIFEBOAT_PLAN";

    private static readonly string[] TopKeys = ["version", "host", "repositories", "components", "defaults", "notify"];
    private static readonly string[] DefaultsKeys = ["catch-up", "retry"];
    private static readonly string[] NotifyKeys = ["webhooks"];
    private static readonly string[] WebhookKeys = ["url-env", "url-file", "url"];
    private static readonly string[] RepositoryKeys = ["location", "password-env", "password-file", "offsite"];

    /// <summary>
    /// How deeply lists and mappings may nest. A plan needs about six levels; hostile input nested thousands deep would
    /// otherwise exhaust the stack while the YAML is turned into nodes (a crash no handler can catch).
    /// </summary>
    public const int MaxNesting = 64;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>
    /// The plan file to use: <paramref name="given"/> (--plan), else $LIFEBOAT_PLAN, else ./lifeboat.yaml if it
    /// exists; null when there is none.
    /// </summary>
    public static string? Locate(string? given)
    {
        if (!string.IsNullOrEmpty(given))
        {
            return Path.GetFullPath(given);
        }
        if (Environment.GetEnvironmentVariable(PlanVariable) is { Length: > 0 } variable)
        {
            return Path.GetFullPath(variable);
        }
        return File.Exists(DefaultFileName) ? Path.GetFullPath(DefaultFileName) : null;
    }

    /// <summary>
    /// Loads a plan file; throws <see cref="PlanInvalidException"/> with every error, or
    /// <see cref="FileNotFoundException"/> when there is no such file.
    /// </summary>
    public static BackupPlan Load(string path, ComponentKinds kinds)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"the plan file {full} does not exist; copy one from examples/ or pass --plan FILE", full);
        }
        var (plan, errors) = Parse(File.ReadAllText(full), full, kinds);
        return plan ?? throw new PlanInvalidException(path, errors);
    }

    /// <summary>Parses and validates plan text; returns the plan (null when there are errors) and every error in file order.</summary>
    public static (BackupPlan? Plan, IReadOnlyList<PlanError> Errors) Parse(string text, string file, ComponentKinds kinds)
    {
        var nodes = new PlanNodes();
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        YamlNode root;
        try
        {
            if (TooDeep(text) is { } deep)
            {
                return (null, [new PlanError(deep, $"the YAML nests lists and mappings more than {MaxNesting} levels deep here",
                    "a plan needs only a few levels; check for unclosed '[' or '{' or a file that is not a plan")]);
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                return (null, [new PlanError(new PlanMark(1, 1), "the plan is empty", "start from examples/quickstart/lifeboat.yaml")]);
            }
            root = stream.Documents[0].RootNode;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet stops this way on some unterminated flow collections; the last event it read tells where.
            return (null, [new PlanError(LastReadMark(text), "not valid YAML: a '[' or '{' opened here is never closed",
                "close every [ and { on the line where it opens, or write the list as '- item' lines")]);
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            return (null, [new PlanError(PlanNodes.MarkOf(e.Start), $"not valid YAML: {Unprefixed(message)}", "check the indentation and quoting on this line")]);
        }
        var host = Environment.MachineName;
        var repositories = new Dictionary<string, PlanRepository>(StringComparer.Ordinal);
        YamlNode? componentsNode = null;
        var offsites = new List<(PlanRepository Repository, YamlNode Node)>();
        var seenRepositories = false;
        var defaults = PlanDefaults.None;
        IReadOnlyList<PlanSecret> webhooks = [];
        foreach (var (key, keyNode, value) in nodes.Entries(root, "the plan", TopKeys))
        {
            switch (key)
            {
                case "version":
                    if (nodes.Text(value, "version") is { } version && version != "1")
                    {
                        nodes.Error(value, $"unsupported plan version '{version}'", "this build reads version 1");
                    }
                    break;
                case "host":
                    host = nodes.Text(value, "host") ?? host;
                    break;
                case "repositories":
                    seenRepositories = true;
                    ReadRepositories(nodes, value, baseDirectory, repositories, offsites);
                    break;
                case "components":
                    componentsNode = value;
                    break;
                case "defaults":
                    defaults = ReadDefaults(nodes, value);
                    break;
                case "notify":
                    webhooks = ReadNotify(nodes, value, baseDirectory);
                    break;
            }
        }
        if (root is YamlMappingNode && !seenRepositories)
        {
            nodes.Error(root, "the plan has no 'repositories:'", "add at least one: repositories: { main: { location: ./repository, password-env: LIFEBOAT_PASSWORD } }");
        }
        foreach (var (repository, node) in offsites)
        {
            if (repository.Offsite == repository.Name)
            {
                nodes.Error(node, $"repository '{repository.Name}' names itself as its offsite copy", "name another repository of the plan");
            }
            else if (!repositories.ContainsKey(repository.Offsite!))
            {
                nodes.Error(node, $"offsite repository '{repository.Offsite}' is not defined", Suggest(repository.Offsite!, repositories.Keys, "repositories"));
            }
        }
        var components = new List<PlanComponent>();
        if (componentsNode is null)
        {
            if (root is YamlMappingNode)
            {
                nodes.Error(root, "the plan has no 'components:'", "add what to back up, e.g. components: { site: { kind: files, paths: [./site] } }");
            }
        }
        else
        {
            var reader = new ComponentReader(nodes, kinds, repositories, baseDirectory, defaults);
            foreach (var (name, keyNode, value) in nodes.Entries(componentsNode, "components"))
            {
                if (!NamePattern().IsMatch(name))
                {
                    nodes.Error(keyNode, $"component name '{name}' may hold only letters, digits, '.', '_' and '-'");
                    continue;
                }
                if (reader.Read(name, keyNode, value) is { } component)
                {
                    components.Add(component);
                }
            }
            reader.CheckDependencies(components);
        }
        var errors = nodes.Errors.OrderBy(e => e.Mark.Line).ThenBy(e => e.Mark.Column).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        return (new BackupPlan
        {
            File = Path.GetFullPath(file), BaseDirectory = baseDirectory, Host = host, Repositories = repositories, Components = components,
            Webhooks = webhooks,
        }, []);
    }

    /// <summary>"did you mean 'x'?" or the list of what exists.</summary>
    internal static string Suggest(string name, IEnumerable<string> known, string what)
    {
        var list = known.ToList();
        return PlanSpelling.Suggest(name, list) is { } suggestion
            ? $"did you mean '{suggestion}'?"
            : list.Count == 0 ? $"the plan defines no {what}" : $"the plan's {what}: {string.Join(", ", list)}";
    }

    private static void ReadRepositories(PlanNodes nodes, YamlNode node, string baseDirectory, Dictionary<string, PlanRepository> repositories,
        List<(PlanRepository, YamlNode)> offsites)
    {
        foreach (var (name, keyNode, value) in nodes.Entries(node, "repositories"))
        {
            if (!NamePattern().IsMatch(name))
            {
                nodes.Error(keyNode, $"repository name '{name}' may hold only letters, digits, '.', '_' and '-'");
                continue;
            }
            string? location = null, passwordEnv = null, passwordFile = null, offsite = null;
            YamlNode? offsiteNode = null;
            foreach (var (key, _, setting) in nodes.Entries(value, $"repository '{name}'", RepositoryKeys))
            {
                switch (key)
                {
                    case "location":
                        location = Location(nodes, setting, baseDirectory);
                        break;
                    case "password-env":
                        passwordEnv = nodes.Text(setting, "password-env");
                        break;
                    case "password-file":
                        passwordFile = nodes.Text(setting, "password-file") is { } file ? Path.GetFullPath(file, baseDirectory) : null;
                        break;
                    case "offsite":
                        offsite = nodes.Text(setting, "offsite");
                        offsiteNode = setting;
                        break;
                }
            }
            var keys = (value as YamlMappingNode)?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToHashSet() ?? [];
            if (!keys.Contains("location"))
            {
                nodes.Error(keyNode, $"repository '{name}' needs 'location:'", "a local directory (./repository, /srv/backup) or s3:http://host:port/bucket");
            }
            if (keys.Contains("password-env") == keys.Contains("password-file") && !keys.Contains("password"))
            {
                nodes.Error(keyNode, $"repository '{name}' needs exactly one of 'password-env:' and 'password-file:'",
                    "name the environment variable or the file that holds its password");
            }
            var repository = new PlanRepository
            {
                Name = name, Location = location ?? "", PasswordEnv = passwordEnv, PasswordFile = passwordFile, Offsite = offsite,
                Mark = PlanNodes.MarkOf(keyNode),
            };
            repositories[name] = repository;
            if (offsite is not null)
            {
                offsites.Add((repository, offsiteNode!));
            }
        }
    }

    private static PlanDefaults ReadDefaults(PlanNodes nodes, YamlNode node)
    {
        var defaults = PlanDefaults.None;
        foreach (var (key, _, value) in nodes.Entries(node, "defaults", DefaultsKeys))
        {
            defaults = key == "catch-up"
                ? defaults with { CatchUp = nodes.CatchUp(value, "catch-up of defaults") }
                : defaults with { Retry = nodes.Retry(value, "retry of defaults") };
        }
        return defaults;
    }

    private static List<PlanSecret> ReadNotify(PlanNodes nodes, YamlNode node, string baseDirectory)
    {
        var webhooks = new List<PlanSecret>();
        foreach (var (_, _, value) in nodes.Entries(node, "notify", NotifyKeys))
        {
            if (value is not YamlSequenceNode list)
            {
                nodes.Error(value, "notify webhooks must be a list", "write - { url-env: SLACK_WEBHOOK_URL } items, one per webhook");
                continue;
            }
            foreach (var item in list.Children)
            {
                if (item is YamlScalarNode && !PlanNodes.IsEmpty(item))
                {
                    nodes.Errors.Add(new PlanError(PlanNodes.MarkOf(item), "a webhook written into the plan is refused: its URL is a secret",
                        "name the environment variable ({ url-env: NAME }) or a file only the backup user can read ({ url-file: PATH }) that holds it"));
                    continue;
                }
                string? variable = null, file = null;
                var entries = nodes.Entries(item, "a webhook", WebhookKeys);
                foreach (var (key, keyNode, setting) in entries)
                {
                    switch (key)
                    {
                        case "url":
                            nodes.Errors.Add(PlanSecret.LiteralError(PlanNodes.MarkOf(keyNode), key));
                            break;
                        case "url-env":
                            variable = nodes.Text(setting, "url-env");
                            if (variable is not null && variable.Contains("://", StringComparison.Ordinal))
                            {
                                nodes.Error(setting, "url-env names an environment variable, not the URL", "export SLACK_WEBHOOK_URL=https://... and write url-env: SLACK_WEBHOOK_URL");
                                variable = null;
                            }
                            break;
                        case "url-file":
                            file = nodes.Text(setting, "url-file") is { } path ? Path.GetFullPath(path, baseDirectory) : null;
                            break;
                    }
                }
                var keys = entries.Select(e => e.Key).ToHashSet();
                if (keys.Contains("url-env") == keys.Contains("url-file") && !keys.Contains("url"))
                {
                    nodes.Error(item, "a webhook needs exactly one of 'url-env:' and 'url-file:'", "e.g. - { url-env: SLACK_WEBHOOK_URL }");
                }
                else if (variable is not null || file is not null)
                {
                    webhooks.Add(new PlanSecret(variable, variable is null ? file : null));
                }
            }
        }
        return webhooks;
    }

    private static string? Location(PlanNodes nodes, YamlNode node, string baseDirectory)
    {
        var text = nodes.Text(node, "location");
        if (text is null)
        {
            return null;
        }
        if (!text.StartsWith("s3:", StringComparison.OrdinalIgnoreCase))
        {
            return Path.GetFullPath(text, baseDirectory);
        }
        if (ComponentReader.HasPasswordInUrl(text))
        {
            nodes.Error(node, "the location holds a password", "leave credentials out of the URL: S3 keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
            return text;
        }
        try
        {
            S3Location.Parse(text);
        }
        catch (FormatException e)
        {
            nodes.Error(node, $"bad S3 location: {e.Message}", "write s3:bucket[/prefix] or s3:http(s)://host:port/bucket[/prefix]");
        }
        return text;
    }

    // Streams the parser's events (no nodes are built, nothing recurses) and stops at the first collection that
    // opens deeper than MaxNesting, so hostile input costs only the events up to there.
    private static PlanMark? TooDeep(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart:
                    if (++depth > MaxNesting)
                    {
                        return PlanNodes.MarkOf(parser.Current.Start);
                    }
                    break;
                case YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd:
                    depth--;
                    break;
            }
        }
        return null;
    }

    private static PlanMark LastReadMark(string text)
    {
        var parser = new Parser(new StringReader(text));
        var mark = new PlanMark(1, 1);
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart)
                {
                    mark = PlanNodes.MarkOf(parser.Current.Start);
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // This failure is the one being located: the mark of the last collection opened before it is the answer.
        }
        return mark;
    }

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (…): "; the plan error carries the position already.
    private static string Unprefixed(string message)
    {
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && index >= 0 ? message[(index + 3)..] : message;
    }
}
