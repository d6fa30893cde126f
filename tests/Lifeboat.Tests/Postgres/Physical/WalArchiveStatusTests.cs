using System.Text.Json;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>Plan status reports the WAL archive of a physical component, and a fresh cluster whose pushes are refused breaks it visibly.</summary>
public sealed class WalArchiveStatusTests
{
    [Fact]
    public async Task Status_reports_wal_pushes_refused_from_a_fresh_cluster_as_a_missed_rpo()
    {
        await using var cluster = await ArchivingCluster.StartAsync();
        await cluster.Server.PsqlAsync("create table t(i int)");
        await cluster.SwitchAndWaitArchivedAsync();
        var plan = await cluster.WritePlanAsync(component: ["rpo: 1h"]);
        var environment = new Dictionary<string, string?> { ["PGPASSWORD"] = PostgresServer.Password };
        await ArchivingCluster.CheckAsync(CliRunner.RunAsync(environment, "backup", "--plan", plan));
        var healthy = await CliRunner.RunAsync(environment, "status", "--plan", plan);
        Assert.True(healthy.ExitCode == 0, healthy.Stdout + healthy.Stderr);
        Assert.Contains("WAL archive (component 'postgres'): ok, newest segment", healthy.Stdout);

        // The old cluster is gone; a fresh one (a new initdb, as after a logical restore) archives into the same component.
        await cluster.Server.StopServerAsync();
        await using var fresh = await PostgresServer.StartAsync("archive_mode = on", "archive_command = 'false'");
        await fresh.PsqlAsync("create database shop");
        await fresh.PsqlAsync("create table t(i int); insert into t values (1)", "shop");
        await fresh.PsqlAsync("select pg_switch_wal()");
        // A logical restore into it says what its archiving needs, before any push is refused.
        await ArchivingCluster.CheckAsync(cluster.CliAsync("backup", "postgres", "--connection", fresh.Url("shop")));
        var restored = await ArchivingCluster.CheckAsync(cluster.CliAsync("restore", "postgres", "latest", "--connection", fresh.Url("shop"), "--into", "shop_copy"));
        Assert.Contains($"next: this server is cluster {await fresh.PsqlAsync("select system_identifier from pg_control_system()")} and archives WAL", restored.Stdout);
        Assert.Contains("take a new base backup", restored.Stdout);
        var (segment, refused) = await cluster.PushSegmentOfAsync(fresh);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("archives the cluster with system identifier", refused.Stderr);

        var broken = await CliRunner.RunAsync(environment, "status", "--plan", plan);
        Assert.Equal(5, broken.ExitCode);
        Assert.Contains($"{segment} refused since", broken.Stdout);
        Assert.Contains("WAL archiving is failing or behind for: db", broken.Stdout);
        Assert.DoesNotContain("meet their RPO targets", broken.Stdout.Replace("the snapshots meet their RPO targets, but WAL archiving does not", ""));
        var json = await CliRunner.RunAsync(environment, "status", "--plan", plan, "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        var archive = document.RootElement.GetProperty("components")[0].GetProperty("archive");
        Assert.False(archive.GetProperty("healthy").GetBoolean());
    }
}
