using Lifeboat.Plan;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Plan;

/// <summary>The plan's daemon settings: catch-up and retry (per component and as defaults) and notify webhooks.</summary>
public sealed class PlanDaemonSettingsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private (BackupPlan? Plan, IReadOnlyList<PlanError> Errors) Parse(string text) =>
        PlanLoader.Parse(text, _temp["lifeboat.yaml"], ComponentKinds.CreateDefault());

    private static List<(string At, string Text)> Found(IReadOnlyList<PlanError> errors) =>
        [.. errors.Select(e => ($"{e.Mark.Line}:{e.Mark.Column}", e.ToString()))];

    private static void Has(List<(string At, string Text)> found, string at, string text) =>
        Assert.True(found.Any(f => f.At == at && f.Text.Contains(text, StringComparison.Ordinal)),
            $"expected at {at}: {text}\nfound:\n{string.Join("\n", found.Select(f => $"{f.At} {f.Text}"))}");

    [Fact]
    public void Components_take_their_own_catch_up_and_retry_fields_and_the_rest_from_the_defaults()
    {
        var (plan, errors) = Parse("""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            defaults:
              catch-up: skip
              retry: { attempts: 5, delay: 30s }
            notify:
              webhooks:
                - url-env: SLACK_WEBHOOK_URL
                - { url-file: ./secrets/webhook }
            components:
              db:
                kind: command
                command: [pg_dump, app]
                schedule: "@hourly"
                catch-up: once
                retry: { attempts: 2 }
              site:
                kind: files
                paths: [./www]
                schedule: "@daily"
            """);
        Assert.Empty(errors);
        Assert.NotNull(plan);
        var db = plan.Component("db");
        Assert.Equal(PlanCatchUp.Once, db.CatchUp);
        Assert.Equal(new PlanRetry(2, TimeSpan.FromSeconds(30)), db.Retry);
        var site = plan.Component("site");
        Assert.Equal(PlanCatchUp.Skip, site.CatchUp);
        Assert.Equal(new PlanRetry(5, TimeSpan.FromSeconds(30)), site.Retry);
        Assert.Equal([new PlanSecret("SLACK_WEBHOOK_URL", null), new PlanSecret(null, _temp["secrets/webhook"])], plan.Webhooks);
    }

    [Fact]
    public void A_plan_without_daemon_settings_leaves_them_to_the_daemon()
    {
        var (plan, errors) = Parse("""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            components:
              site: { kind: files, paths: [./www], schedule: "@daily" }
            """);
        Assert.Empty(errors);
        Assert.Null(plan!.Component("site").CatchUp);
        Assert.Null(plan.Component("site").Retry);
        Assert.Empty(plan.Webhooks);
    }

    [Fact]
    public void Bad_catch_up_and_retry_values_are_reported_at_their_line_and_column_with_a_hint()
    {
        var (plan, errors) = Parse("""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            defaults:
              catch-up: sometimes
              retry: { attempts: 0, delay: 1x }
              retyr: 3
            components:
              db:
                kind: command
                command: [pg_dump, app]
                catchup: skip
                retry:
                  attempts: three
                  delai: 1m
              site:
                kind: files
                paths: [./www]
                catch-up: [once]
                retry: { attempts: 101 }
              web:
                kind: files
                paths: [./web]
                retry: {}
            """);
        Assert.Null(plan);
        var found = Found(errors);
        Has(found, "4:13", "catch-up of defaults 'sometimes' is neither 'once' nor 'skip' — once: one run right away");
        Has(found, "5:22", "the attempts of retry of defaults must be between 1 and 100, not 0 — attempts counts the first one too");
        Has(found, "5:32", "the delay of retry of defaults '1x' is not a duration — write a number and a unit");
        Has(found, "6:3", "unknown key 'retyr' in defaults — did you mean 'retry'?");
        Has(found, "11:5", "unknown key 'catchup' in component 'db' (kind command) — did you mean 'catch-up'?");
        Has(found, "13:17", "the attempts of retry of component 'db' must be a whole number ≥ 0, not 'three'");
        Has(found, "14:7", "unknown key 'delai' in retry of component 'db' — did you mean 'delay'?");
        Has(found, "18:15", "catch-up of component 'site' must be a single value, not a list");
        Has(found, "19:24", "the attempts of retry of component 'site' must be between 1 and 100, not 101");
        Has(found, "23:12", "retry of component 'web' must be a mapping such as { attempts: 3, delay: 1m }");
        Assert.Equal(10, errors.Count);
    }

    [Fact]
    public void A_webhook_url_written_into_the_plan_is_refused_like_any_secret()
    {
        var (plan, errors) = Parse("""
            repositories:
              main: { location: ./repo, password-env: LB_PASSWORD }
            notify:
              webhooks:
                - url: https://hooks.slack.com/services/T0/B0/XXXX
                - https://hooks.slack.com/services/T0/B0/YYYY
                - url-env: https://hooks.slack.com/services/T0/B0/ZZZZ
                - { url-env: A, url-file: ./b }
                - { uri-env: A }
              webhook: []
            components:
              site: { kind: files, paths: [./www] }
            """);
        Assert.Null(plan);
        var found = Found(errors);
        Has(found, "5:7", "'url:' writes a secret into the plan, which is refused — put it in an environment variable (url-env: NAME) or a file only the backup user can read (url-file: PATH)");
        Has(found, "6:7", "a webhook written into the plan is refused: its URL is a secret");
        Has(found, "7:16", "url-env names an environment variable, not the URL");
        Has(found, "8:7", "a webhook needs exactly one of 'url-env:' and 'url-file:'");
        Has(found, "9:9", "unknown key 'uri-env' in a webhook — did you mean 'url-env'?");
        Has(found, "9:7", "a webhook needs exactly one of 'url-env:' and 'url-file:'");
        Has(found, "10:3", "unknown key 'webhook' in notify — did you mean 'webhooks'?");
        Assert.Equal(7, errors.Count);
        Assert.All(errors, e => Assert.DoesNotContain("hooks.slack.com", e.ToString(), StringComparison.Ordinal));
    }
}
