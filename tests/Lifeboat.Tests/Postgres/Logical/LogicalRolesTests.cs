using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>Roles: a restore onto a fresh server with the backed-up globals, and backup and restore as a non-superuser owner.</summary>
public sealed class LogicalRolesTests
{
    [Fact]
    public async Task A_fresh_server_gets_the_roles_owners_and_grants_back_with_globals_and_a_failed_restore_leaves_no_database()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 2000);
        await db.Server.PsqlAsync("CREATE ROLE reporter NOLOGIN; CREATE ROLE app_owner LOGIN PASSWORD 'app-pw'; ALTER DATABASE shop OWNER TO app_owner");
        await db.Server.PsqlAsync("GRANT SELECT ON customers TO reporter; ALTER TABLE events OWNER TO app_owner", "shop");
        var original = await db.FingerprintAsync("shop");
        await db.BackupAsync();
        await using var fresh = await PostgresServer.StartAsync();
        var url = fresh.Url("shop");

        var withoutRoles = await db.RunAsync("restore", "postgres", "latest", "--connection", url);
        Assert.Equal(1, withoutRoles.ExitCode);
        Assert.Contains("owner app_owner cannot be set: role \"app_owner\" does not exist", withoutRoles.Stderr);
        Assert.Contains("restore the roles with --globals", withoutRoles.Stderr);
        Assert.Equal("postgres", await fresh.PsqlAsync("SELECT string_agg(datname, ',') FROM pg_database WHERE NOT datistemplate"));

        var noOwner = await db.RunAsync("restore", "postgres", "latest", "--connection", url, "--no-owner", "--into", "shop_anyone");
        Assert.True(noOwner.ExitCode == 0, noOwner.Stderr);
        Assert.Equal(original, await SampleDatabase.FingerprintAsync(fresh, "shop_anyone"));
        Assert.Equal("lifeboat", await fresh.PsqlAsync("SELECT tableowner FROM pg_tables WHERE tablename = 'events'", "shop_anyone"));

        var restored = await db.RunAsync("restore", "postgres", "latest", "--connection", url, "--globals", "--swap");

        Assert.True(restored.ExitCode == 0, restored.Stderr);
        Assert.Contains("already existed", restored.Stderr);
        Assert.Equal("postgres,shop,shop_anyone", await fresh.PsqlAsync("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE NOT datistemplate"));
        Assert.Equal("app_owner", await fresh.PsqlAsync("SELECT tableowner FROM pg_tables WHERE tablename = 'events'", "shop"));
        Assert.Equal("app_owner", await fresh.PsqlAsync("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'"));
        Assert.Equal("t", await fresh.PsqlAsync("SELECT has_table_privilege('reporter', 'customers', 'SELECT')", "shop"));
        Assert.Equal(original, await SampleDatabase.FingerprintAsync(fresh, "shop"));
    }

    [Fact]
    public async Task A_database_owner_who_is_not_a_superuser_backs_up_without_role_passwords_and_restores_and_swaps()
    {
        await using var db = await SampleDatabase.CreateAsync(events: 2000);
        await db.Server.PsqlAsync("CREATE ROLE app LOGIN CREATEDB PASSWORD 'app-pw'; ALTER DATABASE shop OWNER TO app");
        await db.Server.PsqlAsync("ALTER TABLE customers OWNER TO app; ALTER TABLE events OWNER TO app; ALTER TABLE \"Odd Name\" OWNER TO app; ALTER SEQUENCE invoice_no OWNER TO app; ALTER VIEW big_spenders OWNER TO app", "shop");
        var original = await db.FingerprintAsync("shop");
        var environment = new Dictionary<string, string?>(db.Environment) { ["PGPASSWORD"] = "app-pw" };
        var url = $"postgresql://app@127.0.0.1:{db.Server.Port}/shop";

        var backup = await CliRunner.RunAsync(environment, "--json", "backup", "postgres", "--connection", url);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.Contains("\"globals_role_passwords\": \"omitted (not a superuser)\"", backup.Stdout);
        await db.Server.PsqlAsync("TRUNCATE events", "shop");

        var restore = await CliRunner.RunAsync(environment, "restore", "postgres", "latest", "--connection", url, "--swap");

        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Equal(original, await db.FingerprintAsync("shop"));
        Assert.Equal("app", await db.Server.PsqlAsync("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'"));
    }
}
