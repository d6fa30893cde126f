using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Physical;

/// <summary>
/// A PostgreSQL 15 test cluster that archives its WAL into a fresh Lifeboat repository through the real CLI:
/// archive_command runs a wrapper script (as user postgres, like the server) that calls
/// <c>lifeboat wal push %p</c> with a random key file. The repository and the secrets are readable by postgres.
/// </summary>
internal sealed class ArchivingCluster : IAsyncDisposable
{
    private ArchivingCluster(string root, PostgresServer server)
    {
        Root = root;
        Server = server;
    }

    /// <summary>The folder holding the repository, the password and key files, the wrapper and the restores.</summary>
    public string Root { get; }
    /// <summary>The repository path.</summary>
    public string Repository => Path.Combine(Root, "repo");
    /// <summary>The running server.</summary>
    public PostgresServer Server { get; }
    /// <summary>The server's URL (the password is in <see cref="Environment"/>'s PGPASSWORD: a URL may not hold it).</summary>
    public string Url => $"postgresql://{PostgresServer.User}@127.0.0.1:{Server.Port}/postgres";

    /// <summary>The environment the CLI runs with: the repository, the password file and the key file (which wins).</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["LIFEBOAT_REPOSITORY"] = Repository,
        ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(Root, "password"),
        ["LIFEBOAT_KEY_FILE"] = Path.Combine(Root, "key"),
        ["PGPASSWORD"] = PostgresServer.Password,
    };

    /// <summary>
    /// Creates the repository, then starts a cluster with archive_mode on (unless <paramref name="archive"/> is false),
    /// archive_timeout 1 s and commit timestamps tracked.
    /// </summary>
    public static async Task<ArchivingCluster> StartAsync(bool archive = true, params string[] configure)
    {
        var root = Path.Combine(Path.GetTempPath(), "lifeboat-pitr-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "password"), "pitr-test-password\n");
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_REPOSITORY"] = Path.Combine(root, "repo"), ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(root, "password") };
        await CheckAsync(CliRunner.RunAsync(environment, "init"));
        await CheckAsync(CliRunner.RunAsync(environment, "key", "add", "--random-key-file", Path.Combine(root, "key")));
        // The script users install: 'lifeboat wal archive-script', with the repository and the key file.
        var script = Path.Combine(root, "push.sh");
        var written = await CheckAsync(CliRunner.RunAsync(new Dictionary<string, string?>(environment) { ["LIFEBOAT_KEY_FILE"] = Path.Combine(root, "key") }, "wal", "archive-script"));
        await File.WriteAllTextAsync(script, written.Stdout);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await RunAsync("chown", "-R", "postgres", root);
        string[] settings = archive
            ? ["archive_mode = on", $"archive_command = '{script} %p'", "archive_timeout = 1", "track_commit_timestamp = on", .. configure]
            : ["archive_mode = off", "track_commit_timestamp = on", .. configure];
        var server = await PostgresServer.StartAsync(settings);
        return new ArchivingCluster(root, server);
    }

    /// <summary>
    /// Writes <c>lifeboat.yaml</c>: repository <c>local</c> (this repository, plus the <paramref name="local"/> keys),
    /// the <paramref name="repositories"/> given (keyed by name, each with its keys), and component <c>db</c> backing up this
    /// server physically (plus the <paramref name="component"/> keys; its password from $PGPASSWORD). Returns the path.
    /// </summary>
    public async Task<string> WritePlanAsync(string[]? local = null, Dictionary<string, string[]>? repositories = null, string[]? component = null)
    {
        var lines = new List<string> { "version: 1", "repositories:", "  local:", $"    location: {Repository}", $"    password-file: {Path.Combine(Root, "password")}" };
        lines.AddRange((local ?? []).Select(l => "    " + l));
        foreach (var (name, keys) in repositories ?? [])
        {
            lines.Add($"  {name}:");
            lines.AddRange(keys.Select(k => "    " + k));
        }
        lines.AddRange(["components:", "  db:", "    kind: postgres", "    mode: physical", "    method: local", $"    url: {Url}", "    password-env: PGPASSWORD"]);
        lines.AddRange((component ?? []).Select(c => "    " + c));
        var plan = Path.Combine(Root, "lifeboat.yaml");
        await File.WriteAllLinesAsync(plan, lines);
        return plan;
    }

    /// <summary>Runs the CLI with the repository environment.</summary>
    public Task<CliRunner.Result> CliAsync(params string[] args) => CliRunner.RunAsync(Environment, args);

    /// <summary>Takes a physical base backup through the CLI; returns its snapshot ID, system identifier and start segment.</summary>
    public async Task<(string Snapshot, string SystemIdentifier, string StartSegment)> BaseBackupAsync()
    {
        var result = await CheckAsync(CliAsync("backup", "postgres", "--connection", Url, "--physical", "--json"));
        using var json = JsonDocument.Parse(result.Stdout);
        var source = json.RootElement.GetProperty("source");
        return (json.RootElement.GetProperty("snapshot").GetString()!, source.GetProperty("system_identifier").GetString()!, source.GetProperty("start_segment").GetString()!);
    }

    /// <summary>Switches to a new WAL segment and waits until the archiver has archived it.</summary>
    public async Task SwitchAndWaitArchivedAsync()
    {
        var segment = await Server.PsqlAsync("select pg_walfile_name(pg_switch_wal())");
        var clock = Stopwatch.StartNew();
        while (string.CompareOrdinal(await Server.PsqlAsync("select coalesce(last_archived_wal, '') from pg_stat_archiver"), segment) < 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"{segment} was not archived within 3 minutes: {await Server.PsqlAsync("select * from pg_stat_archiver")}\n{Server.Log}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Pushes the first WAL segment of <paramref name="other"/> (another cluster) into this repository through
    /// <c>wal push</c>, from a copy outside its data directory; returns the segment's name and the CLI's result.
    /// </summary>
    public async Task<(string Segment, CliRunner.Result Push)> PushSegmentOfAsync(PostgresServer other)
    {
        var copies = Directory.CreateDirectory(Path.Combine(Root, "other-wal")).FullName;
        var segment = Directory.GetFiles(Path.Combine(other.DataDirectory, "pg_wal")).Where(f => Path.GetFileName(f).Length == 24).Order(StringComparer.Ordinal).First();
        var copy = Path.Combine(copies, Path.GetFileName(segment));
        File.Copy(segment, copy);
        return (Path.GetFileName(segment), await CliAsync("wal", "push", "--batch", "0", copy));
    }

    /// <summary>The WAL files archived in the repository under <paramref name="prefix"/> (system identifier and '-'), without it, in order.</summary>
    public List<string> ArchivedWal(string prefix) =>
    [
        .. Directory.GetFiles(Path.Combine(Repository, "wal")).Select(Path.GetFileName).OfType<string>()
            .Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f[prefix.Length..]).Order(StringComparer.Ordinal),
    ];

    /// <summary>
    /// Restores the latest base backup into <c>restore-&lt;label&gt;</c> with <paramref name="target"/> (e.g. --latest),
    /// starts it on a free port, returns the int array <paramref name="sql"/> selects there, and stops it.
    /// </summary>
    public async Task<int[]> RestoreAndSelectAsync(string label, string sql, params string[] target)
    {
        var directory = Path.Combine(Root, $"restore-{label}");
        var port = PostgresServer.FreePort();
        await CheckAsync(CliAsync(["restore", "postgres", "latest", "--physical", "--target-dir", directory, .. target,
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--start"]));
        try
        {
            await using var db = new Npgsql.NpgsqlConnection(Server.ConnectionString().Replace($"Port={Server.Port}", $"Port={port}"));
            await db.OpenAsync();
            await using var query = new Npgsql.NpgsqlCommand(sql, db);
            return (int[])(await query.ExecuteScalarAsync())!;
        }
        finally
        {
            await StopRestoredAsync(directory);
        }
    }

    /// <summary>Stops a restored server in <paramref name="directory"/>, if one runs there.</summary>
    public static async Task StopRestoredAsync(string directory)
    {
        if (File.Exists(Path.Combine(directory, "postmaster.pid")))
        {
            await PostgresServer.RunAsPostgresAsync(Path.Combine(PostgresServer.Bin, "pg_ctl"), "-D", directory, "-m", "immediate", "-w", "stop");
        }
        await PostgresServer.WaitForArchivingAheadAsync(directory);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var restored in Directory.GetDirectories(Root, "restore-*"))
        {
            await StopRestoredAsync(restored);
        }
        await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Throws with the CLI's output unless it exited 0.</summary>
    public static async Task<CliRunner.Result> CheckAsync(Task<CliRunner.Result> run)
    {
        var result = await run;
        return result.ExitCode == 0 ? result : throw new InvalidOperationException($"lifeboat exited {result.ExitCode}: {result.Stderr} {result.Stdout}");
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}");
        }
    }
}
