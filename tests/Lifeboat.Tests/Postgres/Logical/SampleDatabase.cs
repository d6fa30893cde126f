using System.Text.Json;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>
/// A test database of varied column types (text with non-ASCII, numeric, timestamps, date, boolean, jsonb, bytea,
/// arrays, uuid, NULLs, a quoted table name, a sequence, a view, a foreign key) and a CLI environment with a fresh
/// repository and the server's password in $PGPASSWORD.
/// </summary>
internal sealed class SampleDatabase : IAsyncDisposable
{
    public static readonly string[] Tables = ["customers", "events", "\"Odd Name\""];

    private SampleDatabase(PostgresServer server, TempDirectory temp, Dictionary<string, string?> environment, string name)
    {
        Server = server;
        Temp = temp;
        Environment = environment;
        Name = name;
    }

    public PostgresServer Server { get; }
    public TempDirectory Temp { get; }
    public Dictionary<string, string?> Environment { get; }
    public string Name { get; }
    public string Url => Server.Url(Uri.EscapeDataString(Name));

    /// <summary>Starts a server, creates database <paramref name="name"/> with <paramref name="events"/> rows in its largest table, and a repository.</summary>
    public static async Task<SampleDatabase> CreateAsync(int events, string name = "shop")
    {
        var server = await PostgresServer.StartAsync();
        try
        {
            return await FillAsync(server, events, name);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task<SampleDatabase> FillAsync(PostgresServer server, int events, string name)
    {
        await server.PsqlAsync($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"");
        await server.PsqlAsync($"""
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, balance numeric(14,4), created timestamptz,
                birthday date, active boolean, profile jsonb, avatar bytea, tags text[], ratio double precision, uid uuid);
            INSERT INTO customers SELECT i, 'customer ' || i || ' ' || repeat('é€', i % 5), CASE WHEN i % 7 = 0 THEN NULL ELSE 'c' || i || '@example.org' END,
                (i * 12.3456)::numeric(14,4), timestamptz '2024-01-01 00:00:00+00' + i * interval '37 minutes 13.25 seconds', date '1970-01-01' + (i % 20000),
                i % 3 = 0, jsonb_build_object('n', i, 'list', jsonb_build_array('a', i % 10, null), 'nested', jsonb_build_object('x', i * 0.5)),
                decode(md5(i::text), 'hex') || '\x00ff'::bytea, ARRAY['t' || (i % 4), 'quote''s', NULL], i / 7.0, md5(i::text)::uuid
            FROM generate_series(1, 2000) i;
            CREATE TABLE events (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), at timestamp, kind text, payload jsonb, amount numeric);
            INSERT INTO events SELECT i, 1 + i % 2000, timestamp '2025-01-01' + i * interval '1.5 seconds', (ARRAY['view','buy','refund'])[1 + i % 3],
                jsonb_build_object('i', i, 's', md5(i::text)), round((i % 1000) * 1.01, 2)
            FROM generate_series(1, {events}) i;
            CREATE INDEX events_customer ON events (customer_id);
            CREATE TABLE "Odd Name" (id int PRIMARY KEY, "Value" text);
            INSERT INTO "Odd Name" VALUES (1, E'line1\nline2'), (2, NULL), (3, E'tab\there, "quoted"');
            CREATE SEQUENCE invoice_no START 1000;
            SELECT nextval('invoice_no') FROM generate_series(1, 5);
            CREATE VIEW big_spenders AS SELECT customer_id, sum(amount) AS total FROM events GROUP BY customer_id;
            """, name);
        var temp = new TempDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"], ["PGPASSWORD"] = PostgresServer.Password,
        };
        var init = await CliRunner.RunAsync(environment, "init");
        if (init.ExitCode != 0)
        {
            temp.Dispose();
            throw new InvalidOperationException("lifeboat init failed: " + init.Stderr);
        }
        return new SampleDatabase(server, temp, environment, name);
    }

    /// <summary>Every table's row count and the MD5 of all its rows in key order, the sequence and the view: equal strings mean equal data.</summary>
    public Task<string> FingerprintAsync(string database) => FingerprintAsync(Server, database);

    /// <summary>The fingerprint of <paramref name="database"/> on another server.</summary>
    public static async Task<string> FingerprintAsync(PostgresServer server, string database)
    {
        var parts = new List<string>();
        foreach (var table in Tables)
        {
            parts.Add(table + " " + await server.PsqlAsync($"SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM {table} t", database));
        }
        parts.Add("invoice_no " + await server.PsqlAsync("SELECT last_value FROM invoice_no", database));
        parts.Add("big_spenders " + await server.PsqlAsync("SELECT md5(string_agg(v::text, ',' ORDER BY customer_id)) FROM big_spenders v", database));
        return string.Join("\n", parts);
    }

    /// <summary>The databases on the server, sorted.</summary>
    public async Task<string[]> DatabasesAsync() =>
        (await Server.PsqlAsync("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1")).Split('\n');

    /// <summary>Runs the CLI with the repository and PostgreSQL password set.</summary>
    public Task<CliRunner.Result> RunAsync(params string[] args) => CliRunner.RunAsync(Environment, args);

    /// <summary>Backs up the database through the CLI and returns the JSON result.</summary>
    public async Task<JsonElement> BackupAsync(params string[] extra)
    {
        var backup = await RunAsync(["--json", "backup", "postgres", "--connection", Url, .. extra]);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        return JsonDocument.Parse(backup.Stdout).RootElement;
    }

    /// <summary>The snapshot files in the repository.</summary>
    public int SnapshotCount => Directory.Exists(Temp["repo/snapshots"]) ? Directory.GetFiles(Temp["repo/snapshots"]).Length : 0;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
