using System.Text.Json;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

public sealed class PlanWalRetentionTests
{
    [Fact]
    public async Task A_plan_whose_retention_removes_a_base_backup_expires_exactly_the_wal_only_it_needed()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await cluster.SwitchAndWaitArchivedAsync();
        var plan = Path.Combine(cluster.Root, "lifeboat.yaml");
        await File.WriteAllTextAsync(plan, $"""
            version: 1
            repositories:
              local:
                location: {cluster.Repository}
                password-file: {Path.Combine(cluster.Root, "password")}
            components:
              db:
                kind: postgres
                mode: physical
                method: local
                url: postgresql://{PostgresServer.User}@127.0.0.1:{cluster.Server.Port}/postgres
                password-env: PLAN_PG_PASSWORD
                retention:
                  keep-last: 1
            """);
        var environment = new Dictionary<string, string?> { ["PLAN_PG_PASSWORD"] = PostgresServer.Password };

        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "backup", "--plan", plan));
        for (var i = 0; i < 3; i++)
        {
            await cluster.Server.PsqlAsync($"insert into t values ({i})");
            await cluster.SwitchAndWaitArchivedAsync();
        }
        var prefix = (await cluster.Server.PsqlAsync("select system_identifier from pg_control_system()")) + "-";
        var beforeSecond = cluster.ArchivedWal(prefix);
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "backup", "--plan", plan));

        using var snapshots = JsonDocument.Parse((await ArchivingCluster.CheckAsync(cluster.CliAsync("snapshots", "--json"))).Stdout);
        var kept = Assert.Single(snapshots.RootElement.EnumerateArray());
        var source = kept.GetProperty("snapshot").GetProperty("source");
        var start = source.GetProperty("start_segment").GetString()!;
        Assert.Equal("local", source.GetProperty("method").GetString());
        var expected = beforeSecond.Where(f => string.CompareOrdinal(f[..24], start) < 0 && !f.EndsWith(".history", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(expected);
        var after = cluster.ArchivedWal(prefix);
        Assert.Empty(after.Intersect(expected));
        Assert.All(beforeSecond.Except(expected), f => Assert.Contains(f, after));
        Assert.Equal(0, (await cluster.CliAsync("wal", "check")).ExitCode);
    }
}
