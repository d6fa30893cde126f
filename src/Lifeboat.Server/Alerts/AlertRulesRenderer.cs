using System.Globalization;
using YamlDotNet.Serialization;

namespace Lifeboat.Server.Alerts;

/// <summary>
/// Renders Prometheus alerting rules for a plan's components, written against the metrics of <c>lifeboat serve</c>
/// (docs/operations.md): backup older than its RPO, failures, size anomaly against the recent median, no successful
/// backup since the daemon started, WAL archiving failing or older than the RPO, and the daemon itself gone.
/// </summary>
public static class AlertRulesRenderer
{
    /// <summary>The rule groups, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Groups = ["lifeboat-rpo", "lifeboat-failures", "lifeboat-size", "lifeboat-startup", "lifeboat-wal", "lifeboat-daemon"];

    /// <summary>
    /// Writes the rules file (YAML) for <paramref name="components"/>. <paramref name="plan"/> is the plan file's path: the
    /// header names it, and the commands the RPO alert tells the operator to run pass it as <c>--plan</c>, because a
    /// component name alone is not a backup command ('lifeboat backup NAME' backs up a path NAME).
    /// <paramref name="archives"/> are the components whose WAL archive the daemon reads (physical PostgreSQL).
    /// </summary>
    public static string Render(IReadOnlyList<(string Name, TimeSpan? Rpo)> components, IReadOnlyList<(string Name, TimeSpan? Rpo)> archives,
        AlertRuleOptions options, string plan)
    {
        var rpo = new List<object>();
        var failures = new List<object>();
        var size = new List<object>();
        var startup = new List<object>();
        foreach (var (name, target) in components)
        {
            var selector = $"{{component=\"{EscapePromQl(name)}\"}}";
            if (target is { } r)
            {
                rpo.Add(Rule("LifeboatBackupTooOld", $"lifeboat_backup_age_seconds{selector} > lifeboat_rpo_target_seconds{selector}", "5m", "critical", name,
                    $"Backup of {name} is older than its RPO ({Describe(r)})",
                    $"The newest successful backup of component {name} on {{{{ $labels.instance }}}} is older than its RPO of {Describe(r)}. Run 'lifeboat backup --plan {plan} {name}', then 'lifeboat status --plan {plan}'."));
            }
            var window = PromDuration(options.FailureWindow);
            // The counter alone falls quiet an hour after the failure while backups may still be broken; the gauge stays 1
            // until a backup succeeds, so the alert lasts as long as the failure does.
            failures.Add(Rule("LifeboatBackupFailed", $"increase(lifeboat_backup_failure_total{selector}[{window}]) > 0 or lifeboat_backup_last_run_failed{selector} == 1", null, "critical", name,
                $"Backup of {name} failed",
                $"A scheduled backup of component {name} on {{{{ $labels.instance }}}} failed after every retry in the last {window}, or its newest run failed and no backup has succeeded since. The error is in /health and the daemon's log."));
            var median = $"lifeboat_backup_size_median_bytes{selector}";
            var change = options.SizeChange.ToString("0.###", CultureInfo.InvariantCulture);
            size.Add(Rule("LifeboatBackupSizeAnomaly", $"abs(lifeboat_backup_size_bytes{selector} - {median}) > {change} * {median} and {median} > 0", null, "warning", name,
                $"Backup size of {name} differs from its recent median",
                $"The last backup of component {name} is {{{{ $value | humanize1024 }}}}B larger or smaller than the median of its recent backups, more than {change} of it: check that the source is complete."));
            var startupWindow = target ?? options.DefaultStartupWindow;
            startup.Add(Rule("LifeboatNoSuccessfulBackup",
                $"lifeboat_backup_success_total{selector} == 0 and on(instance, job) (time() - lifeboat_start_time_seconds) > {(long)startupWindow.TotalSeconds}", null, "critical", name,
                $"No successful backup of {name} since the daemon started",
                $"lifeboat serve on {{{{ $labels.instance }}}} has run for longer than {Describe(startupWindow)} without a successful backup of component {name}."));
        }
        var wal = new List<object>();
        foreach (var (name, target) in archives)
        {
            var selector = $"{{component=\"{EscapePromQl(name)}\"}}";
            // The healthy gauge is read on the daemon's check interval; the age is recomputed at every scrape, so a stalled
            // archive alerts at the RPO even between two reads.
            var expr = $"lifeboat_wal_archive_healthy{selector} == 0" + (target is { } r ? $" or lifeboat_wal_archive_age_seconds{selector} > {(long)r.TotalSeconds}" : "");
            wal.Add(Rule("LifeboatWalArchiveFailing", expr, null, "critical", name,
                $"WAL archiving of {name} is failing or older than its RPO" + (target is { } t ? $" ({Describe(t)})" : ""),
                $"The WAL archive of component {name} on {{{{ $labels.instance }}}} is not healthy: nothing archived, the newest segment older than the RPO, or pushes refused "
                + $"(lifeboat_wal_archive_refused). Point-in-time recovery stops at the newest archived segment. Run 'lifeboat status --plan {plan}' for the reason; /health lists it under walArchives."));
        }
        var daemon = new List<object>
        {
            Rule("LifeboatDaemonDown", "absent(lifeboat_start_time_seconds)", "10m", "critical", null,
                "lifeboat serve is not being scraped", "No lifeboat serve daemon has exposed metrics for 10 minutes: scheduled backups are not running."),
        };
        var document = new Dictionary<string, object>
        {
            ["groups"] = new List<object>
            {
                Group(Groups[0], rpo), Group(Groups[1], failures), Group(Groups[2], size), Group(Groups[3], startup), Group(Groups[4], wal), Group(Groups[5], daemon),
            },
        };
        var yaml = new SerializerBuilder().WithIndentedSequences().Build().Serialize(document);
        return $"# Prometheus alerting rules for the components of {plan}.\n# Generated by 'lifeboat alerts render'; edit the plan and render again instead of editing this file.\n{yaml}";
    }

    private static Dictionary<string, object> Group(string name, List<object> rules) => new() { ["name"] = name, ["rules"] = rules };

    private static Dictionary<string, object> Rule(string alert, string expr, string? @for, string severity, string? component, string summary, string description)
    {
        var rule = new Dictionary<string, object> { ["alert"] = alert, ["expr"] = expr };
        if (@for is not null)
        {
            rule["for"] = @for;
        }
        var labels = new Dictionary<string, object> { ["severity"] = severity };
        if (component is not null)
        {
            labels["component"] = component;
        }
        rule["labels"] = labels;
        rule["annotations"] = new Dictionary<string, object> { ["summary"] = summary, ["description"] = description };
        return rule;
    }

    /// <summary>A label value inside a PromQL double-quoted string.</summary>
    private static string EscapePromQl(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");

    /// <summary>A duration as PromQL writes it (whole seconds, in the largest exact unit).</summary>
    public static string PromDuration(TimeSpan span)
    {
        var seconds = Math.Max(1, (long)span.TotalSeconds);
        return seconds % 86400 == 0 ? $"{seconds / 86400}d" : seconds % 3600 == 0 ? $"{seconds / 3600}h" : seconds % 60 == 0 ? $"{seconds / 60}m" : $"{seconds}s";
    }

    private static string Describe(TimeSpan span) => PromDuration(span);
}
