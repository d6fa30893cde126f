using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Tests.Postgres;

/// <summary>
/// A real PostgreSQL 15 cluster for one test: initdb in a temporary directory owned by user postgres (the server
/// refuses to run as root), started with pg_ctl on a free port on 127.0.0.1, password authentication for TCP, and a
/// superuser "lifeboat" with password <see cref="Password"/>. Disposing stops it and deletes the directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The superuser's password.</summary>
    public const string Password = "s3cret-pw";
    /// <summary>The superuser's name.</summary>
    public const string User = "lifeboat";
    /// <summary>Where the PostgreSQL 15 programs are.</summary>
    public const string Bin = "/usr/lib/postgresql/15/bin";

    private PostgresServer(string root, int port)
    {
        Root = root;
        Port = port;
    }

    /// <summary>The temporary directory (owned by postgres) holding the data directory and anything else the test puts there.</summary>
    public string Root { get; }
    /// <summary>The data directory.</summary>
    public string DataDirectory => Path.Combine(Root, "data");
    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>A connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database};Pooling=false;Timeout=15";

    /// <summary>A postgres:// URL for <paramref name="database"/> without the password (give it through PGPASSWORD).</summary>
    public string Url(string database = "postgres") => $"postgresql://{User}@127.0.0.1:{Port}/{database}";

    /// <summary>
    /// Creates and starts a cluster. <paramref name="configure"/> lines are appended to postgresql.conf before the
    /// first start (e.g. <c>archive_mode = on</c>).
    /// </summary>
    public static async Task<PostgresServer> StartAsync(params string[] configure)
    {
        var root = Path.Combine(Path.GetTempPath(), "lifeboat-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        await RunAsync("chown", "postgres:postgres", root);
        var server = new PostgresServer(root, FreePort());
        var passwordFile = Path.Combine(root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        await RunAsync("chown", "postgres:postgres", passwordFile);
        await RunAsPostgresAsync(Path.Combine(Bin, "initdb"), "-D", server.DataDirectory, "-U", User, "--pwfile", passwordFile,
            "-A", "scram-sha-256", "--auth-local", "trust", "-E", "UTF8", "--locale", "C.UTF-8", "--data-checksums");
        File.Delete(passwordFile);
        await File.AppendAllLinesAsync(Path.Combine(server.DataDirectory, "postgresql.conf"),
        [
            $"port = {server.Port}", "listen_addresses = '127.0.0.1'", $"unix_socket_directories = '{root}'",
            "fsync = off", "max_wal_senders = 4", "wal_level = replica", "shared_buffers = 64MB", .. configure,
        ]);
        // Replication connections over TCP with the password, for pg_basebackup.
        await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "pg_hba.conf"), "host replication all 127.0.0.1/32 scram-sha-256\n");
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Starts the server (again) and waits until it accepts connections.</summary>
    public Task StartServerAsync() =>
        RunAsPostgresAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-l", Path.Combine(Root, "server.log"), "-w", "-t", "60", "start");

    /// <summary>Stops the server (fast mode).</summary>
    public Task StopServerAsync() =>
        RunAsPostgresAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>The server log, for assertion messages.</summary>
    public string Log => File.Exists(Path.Combine(Root, "server.log")) ? File.ReadAllText(Path.Combine(Root, "server.log")) : "";

    /// <summary>Runs psql as the superuser against <paramref name="database"/> and returns its output (unaligned, tuples only).</summary>
    public async Task<string> PsqlAsync(string sql, string database = "postgres")
    {
        var (code, stdout, stderr) = await RunProcessAsync(Path.Combine(Bin, "psql"), new() { ["PGPASSWORD"] = Password },
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(), "-U", User, "-d", database, "-c", sql);
        return code == 0 ? stdout.Trim() : throw new InvalidOperationException($"psql failed ({code}): {stderr}");
    }

    /// <summary>Runs a program as user postgres; throws with its output when it fails.</summary>
    public static async Task RunAsPostgresAsync(string program, params string[] arguments) =>
        await RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsPostgresAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped (or never started): nothing to stop.
        }
        await WaitForArchivingAheadAsync(DataDirectory);
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>
    /// Waits (at most a minute) until the background process that a <c>wal push</c> from archive_command started is
    /// gone: an immediate stop signals the archiver's process group, which holds it, but it may still be ending while
    /// the folder holding its spool is deleted.
    /// </summary>
    public static async Task WaitForArchivingAheadAsync(string dataDirectory)
    {
        var spool = new WalSpool(Path.Combine(dataDirectory, "lifeboat-spool"), "", "");
        var clock = Stopwatch.StartNew();
        while (spool.ReadClaim() is { } claim && claim.IsRunning() && clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var (code, stdout, stderr) = await RunProcessAsync(program, [], arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {stdout} {stderr}");
        }
    }

    private static async Task<(int, string, string)> RunProcessAsync(string program, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
