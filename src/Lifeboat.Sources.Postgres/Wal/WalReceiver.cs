using System.Globalization;
using Npgsql;

namespace Lifeboat.Sources.Postgres.Wal;

/// <summary>
/// Continuous WAL streaming for an RPO of seconds: pg_receivewal (PostgreSQL's own client, a child process) streams
/// from a physical replication slot into a <see cref="WalStaging"/> folder with <c>--synchronous</c> (each write
/// flushed and reported at once), and every segment it completes is pushed into the <see cref="WalArchive"/> (the
/// same objects, cluster binding and conflict rules as <c>wal push</c>) before it is deleted locally. The slot makes
/// the server keep WAL until it is received, so a receiver that was down resumes where it stopped. The current
/// segment stays in the folder as <c>X.partial</c> until complete.
/// </summary>
public sealed class WalReceiver(WalArchive archive, WalReceiveOptions options)
{
    /// <summary>The application_name pg_receivewal connects with: how a base backup sees that a receiver archives the WAL.</summary>
    public const string ApplicationName = "lifeboat wal receive";
    // pg_receivewal's renames wake the loop at once (inotify); the poll only covers events the watcher could drop, and
    // each wake costs the thread pool's spinning, about 5 ms of CPU.
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stops a pg_receivewal an earlier, killed receiver left running in the staging folder (saying so through
    /// <paramref name="warn"/>), pushes what the folder holds from an earlier run, checks the server and the slot (creating it when
    /// asked), then runs pg_receivewal until <paramref name="stop"/> is cancelled: it is then interrupted, and every
    /// segment it completed is pushed before this returns; the current <c>.partial</c> stays in the folder. Returns
    /// the number of files pushed. Throws <see cref="InvalidOperationException"/> for a refused login, an unreachable
    /// server or a missing slot (before anything streams), <see cref="FileNotFoundException"/> when pg_receivewal is
    /// missing, and <see cref="IOException"/> with pg_receivewal's stderr when it fails (server gone, slot dropped);
    /// completed segments are pushed first in every case. pg_receivewal interrupted by someone else (exit 0) ends the
    /// run as a stop does.
    /// </summary>
    public async Task<int> RunAsync(Action<WalReceivedFile> pushed, Action<string> warn, CancellationToken stop)
    {
        using var staging = WalStaging.Open(options.Staging, archive, options.Component);
        if (await staging.StopOrphanAsync(stop) is { } orphan)
        {
            warn($"stopped pg_receivewal (process {orphan}) left running in {staging.Directory} by an earlier receiver");
        }
        // The repository must hold what an earlier run left before anything else can go wrong.
        var count = await staging.PushCompletedAsync(pushed, stop);
        var program = await PrepareServerAsync(stop);
        var environment = new Dictionary<string, string>(options.Connection.Environment("postgres")) { ["PGAPPNAME"] = ApplicationName };
        string[] arguments =
        [
            "--directory", staging.Directory, "--slot", options.Slot, "--synchronous", "--no-loop", "--no-password",
            "--status-interval", ((int)Math.Max(1, options.StatusInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        ];
        await using var child = ChildProcess.Start(program, arguments, environment, readStdout: false);
        staging.RecordReceiver(child.Id);
        using var wake = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(staging.Directory) { NotifyFilter = NotifyFilters.FileName, EnableRaisingEvents = true };
        watcher.Renamed += (_, _) => wake.Release();
        watcher.Created += (_, _) => wake.Release();
        watcher.Error += (_, _) => wake.Release();
        var exited = child.WaitAsync(CancellationToken.None);
        try
        {
            while (!stop.IsCancellationRequested && !exited.IsCompleted)
            {
                count += await staging.PushCompletedAsync(pushed, stop);
                await Task.WhenAny(exited, wake.WaitAsync(Poll, stop));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: what pg_receivewal completed is still pushed below.
        }
        if (!exited.IsCompleted)
        {
            child.Interrupt();
            if (await Task.WhenAny(exited, Task.Delay(StopGrace, CancellationToken.None)) != exited)
            {
                child.Kill();
            }
        }
        var code = await exited;
        count += await staging.PushCompletedAsync(pushed, CancellationToken.None);
        // pg_receivewal exits 0 only when interrupted: Ctrl-C on a terminal reaches it as well as this process, and
        // may end it before this process has seen its own signal; that is a stop, not a failure.
        if (!stop.IsCancellationRequested && code != 0)
        {
            var stderr = child.Stderr;
            throw new IOException($"pg_receivewal failed with exit code {code}" + (stderr.Length > 0 ? $": {stderr}" : " and printed nothing on stderr")
                + $"; {count} file(s) were pushed, {(staging.Partial() is { } partial ? $"{partial} stays in {staging.Directory}" : "no partial segment is left")}");
        }
        return count;
    }

    /// <summary>
    /// Checks the login, the server's version and pg_receivewal, then the slot (creating it when asked, last: a failed
    /// start creates nothing); returns the pg_receivewal program to run.
    /// </summary>
    private async Task<string> PrepareServerAsync(CancellationToken cancellationToken)
    {
        var connection = options.Connection;
        await using var db = await connection.OpenAsync(null, cancellationToken);
        try
        {
            await using var command = db.CreateCommand();
            command.CommandText = "SELECT current_setting('server_version_num')::int, (SELECT slot_type FROM pg_replication_slots WHERE slot_name = $1)";
            command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
            int version;
            string? slotType;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                version = reader.GetInt32(0);
                slotType = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
            if (version < 150000)
            {
                // Older pg_receivewal cannot read a slot's position: with an empty staging folder it would start at the
                // server's current position and skip what the slot kept.
                throw new InvalidOperationException($"{connection.Display} runs PostgreSQL {version / 10000}; 'wal receive' needs PostgreSQL 15 or newer (use archive_command = 'lifeboat wal push %p')");
            }
            var program = await FindProgramAsync(version / 10000, cancellationToken);
            if (slotType is null && !options.CreateSlot)
            {
                throw new InvalidOperationException($"{connection.Display} has no replication slot '{options.Slot}'; create it with --create-slot "
                    + $"(or SELECT pg_create_physical_replication_slot('{options.Slot}', true)); nothing was received");
            }
            if (slotType is not null and not "physical")
            {
                throw new InvalidOperationException($"the replication slot '{options.Slot}' on {connection.Display} is a {slotType} slot; 'wal receive' needs a physical one");
            }
            if (slotType is null)
            {
                await using var create = db.CreateCommand();
                // Reserving at once: the server keeps WAL from now on, even before pg_receivewal connects.
                create.CommandText = "SELECT pg_create_physical_replication_slot($1, true)";
                create.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            return program;
        }
        catch (NpgsqlException e)
        {
            throw connection.Explain(e, $"checking the replication slot '{options.Slot}'");
        }
    }

    /// <summary>The installed pg_receivewal of the server's major version (or newer), or the given one if it is not older.</summary>
    private async Task<string> FindProgramAsync(int serverMajor, CancellationToken cancellationToken)
    {
        if (options.Program is not { } given)
        {
            return PostgresTools.Find("pg_receivewal", serverMajor);
        }
        if (!File.Exists(given))
        {
            throw new FileNotFoundException($"pg_receivewal {given} does not exist; install postgresql-client-{serverMajor} or give another --pg-receivewal", given);
        }
        string version;
        await using (var child = ChildProcess.Start(given, ["--version"]))
        {
            using var reader = new StreamReader(child.Stdout);
            version = (await reader.ReadToEndAsync(cancellationToken)).Trim();
            await child.EnsureSuccessAsync(cancellationToken);
        }
        // "pg_receivewal (PostgreSQL) 15.8 (Debian 15.8-1)"
        var words = version.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "(PostgreSQL)");
        if (!version.StartsWith("pg_receivewal ", StringComparison.Ordinal) || at < 0 || at + 1 >= words.Length
            || !int.TryParse(words[at + 1].Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            throw new InvalidOperationException($"{given} is not pg_receivewal: '--version' printed '{version}'");
        }
        return major >= serverMajor ? given
            : throw new InvalidOperationException($"{given} is pg_receivewal of PostgreSQL {major}, older than the server's {serverMajor}; install postgresql-client-{serverMajor}");
    }
}
