using System.Diagnostics;
using System.Text;
using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>What a point-in-time restore does besides extracting the base backup.</summary>
public sealed record PhysicalRestoreOptions
{
    /// <summary>The new data directory: missing, empty, or a stopped cluster's data directory, which is kept aside.</summary>
    public required string TargetDirectory { get; init; }
    /// <summary>How far to replay.</summary>
    public required RecoveryTarget Target { get; init; }
    /// <summary>The program and arguments that fetch a WAL file: "%f" and "%p" are appended.</summary>
    public required IReadOnlyList<string> FetchCommand { get; init; }
    /// <summary>Environment the fetch command needs (repository, password or key file).</summary>
    public required IReadOnlyDictionary<string, string> FetchEnvironment { get; init; }
    /// <summary>The OS user that owns the data directory and runs the server (root is refused by PostgreSQL).</summary>
    public required string Owner { get; init; }
    /// <summary>The port the restored server listens on (127.0.0.1); null keeps the backed-up setting.</summary>
    public int? Port { get; init; }
    /// <summary>Start the server and wait for recovery to reach the target.</summary>
    public bool Start { get; init; }
    /// <summary>Keep the backed-up archive settings (for a server that becomes the new primary); off by default.</summary>
    public bool KeepArchiving { get; init; }
    /// <summary>recovery_target_timeline; PostgreSQL's default "latest" when null.</summary>
    public string? Timeline { get; init; }
    /// <summary>How long to wait for recovery to reach its target once started.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>What a restore did.</summary>
/// <param name="TargetDirectory">The restored data directory.</param>
/// <param name="Bytes">Bytes restored.</param>
/// <param name="Started">Whether the server was started and recovered.</param>
/// <param name="RecoveryOutcome">PostgreSQL's line saying where recovery stopped, when started.</param>
/// <param name="KeptAside">Where the data directory that was there before went, or null.</param>
/// <param name="Log">The started server's log (beside the data directory), or null.</param>
public sealed record PhysicalRestoreResult(string TargetDirectory, long Bytes, bool Started, string? RecoveryOutcome, string? KeptAside, string? Log);

/// <summary>
/// Builds a data directory from a base backup: a local backup's files written in parallel, each verified before its
/// rename, then its pg_control and backup_label; a streamed backup's base.tar extracted (verified as it is read) and
/// checked against its backup_manifest with pg_verifybackup. A stopped cluster's data directory in the way is kept
/// aside first (<see cref="DataDirectoryAside"/>). On any failure the directory is removed again and the one kept aside
/// put back. Then it writes the recovery settings and recovery.signal (<see cref="RecoverySettings"/>: no secret in the
/// data directory, no recovery setting left after recovery), and optionally starts the server and waits until recovery
/// has reached the target and the server accepts connections.
/// </summary>
public sealed class PhysicalRestore(Repository.Repository repository, TimeProvider? clock = null)
{
    /// <summary>Where a restored server listening on a given port puts its Unix socket: never its data directory.</summary>
    public const string SocketDirectory = "/tmp";

    /// <summary>Restores <paramref name="snapshot"/> as <paramref name="options"/> say.</summary>
    public async Task<PhysicalRestoreResult> RunAsync(Snapshot snapshot, BaseBackupInfo backup, PhysicalRestoreOptions options, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(options.TargetDirectory).TrimEnd('/');
        var aside = DataDirectoryAside.MoveAside(target, clock ?? TimeProvider.System);
        var created = PrepareDirectory(target);
        var runAs = Environment.IsPrivilegedProcess && options.Owner != "root";
        var recovery = new RecoverySettings(target);
        long bytes;
        try
        {
            if (runAs)
            {
                await RunAsync("chown", [options.Owner, target], cancellationToken);
            }
            bytes = snapshot.Source.GetValueOrDefault("method") == "local"
                ? await RestoreDirectoryAsync(snapshot, target, cancellationToken)
                : await ExtractTarAsync(snapshot, target, runAs, options.Owner, cancellationToken);
            var bin = PostgresTools.BinDirectory(backup.ServerVersionNumber / 10000)
                ?? throw new FileNotFoundException($"PostgreSQL {backup.ServerVersionNumber / 10000} is not installed; the restored data directory needs its server");
            if (File.Exists(Path.Combine(target, "backup_manifest")))
            {
                await using var verify = ChildProcess.Start(Path.Combine(bin, "pg_verifybackup"), ["--no-parse-wal", "--quiet", target], readStdout: false);
                await verify.EnsureSuccessAsync(cancellationToken);
            }
            await recovery.WriteAsync(options, SocketDirectory, cancellationToken);
            if (runAs)
            {
                await RunAsync("chown", ["-R", options.Owner, target, recovery.Folder], cancellationToken);
            }
        }
        catch
        {
            recovery.Remove();
            Clear(target, created);
            if (aside is not null)
            {
                // Bad input or a failed restore changes nothing: the data directory that was there goes back.
                Directory.Move(aside, target);
            }
            throw;
        }
        if (!options.Start)
        {
            return new PhysicalRestoreResult(target, bytes, false, null, aside, null);
        }
        var outcome = await StartAndWaitAsync(recovery, backup, options, runAs, cancellationToken);
        return new PhysicalRestoreResult(target, bytes, true, outcome, aside, recovery.Log);
    }

    private async Task<long> ExtractTarAsync(Snapshot snapshot, string target, bool runAs, string owner, CancellationToken cancellationToken)
    {
        var reader = new SnapshotFileReader(repository);
        var node = await reader.FindAsync(snapshot, BaseBackupInfo.StreamName, cancellationToken);
        await using var tar = Start(runAs, owner, "tar", ["-x", "-f", "-", "-C", target, "--no-same-owner"], writeStdin: true);
        var bytes = await reader.CopyToAsync(node, tar.Stdin, cancellationToken);
        tar.Stdin.Close();
        await tar.EnsureSuccessAsync(cancellationToken);
        return bytes;
    }

    // A data directory read straight from disk restores as files, in parallel, each verified before its rename; then
    // its pg_control (read last at backup time) and the backup_label that pg_backup_stop returned, so recovery starts
    // from the backup's start LSN.
    private async Task<long> RestoreDirectoryAsync(Snapshot snapshot, string target, CancellationToken cancellationToken)
    {
        var result = await new Restorer(repository).RunAsync(snapshot, new RestoreOptions { Target = target, Root = DataDirectoryBackup.DataPath },
            new RestoreProgress(), cancellationToken);
        if (result.Errors.Count > 0)
        {
            var first = result.Errors[0];
            throw new IOException($"{result.Errors.Count} file(s) of the base backup could not be restored, first {first.Path}: {first.Reason}; the data directory was emptied again");
        }
        var reader = new SnapshotFileReader(repository);
        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var control = await reader.FindAsync(snapshot, DataDirectoryBackup.ControlName, cancellationToken);
        await reader.RestoreToFileAsync(control, Path.Combine(target, DataDirectoryFilter.ControlFile), overwrite: false, ownerOnly, cancellationToken);
        var label = await reader.FindAsync(snapshot, DataDirectoryBackup.LabelName, cancellationToken);
        await reader.RestoreToFileAsync(label, Path.Combine(target, "backup_label"), overwrite: false, ownerOnly, cancellationToken);
        return result.Bytes + control.Size;
    }

    private static bool PrepareDirectory(string target)
    {
        if (Directory.Exists(target))
        {
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return false;
        }
        Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return true;
    }

    private static void Clear(string target, bool created)
    {
        if (created)
        {
            Directory.Delete(target, recursive: true);
            return;
        }
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo folder)
            {
                folder.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    private static async Task<string?> StartAndWaitAsync(RecoverySettings recovery, BaseBackupInfo backup, PhysicalRestoreOptions options, bool runAs, CancellationToken cancellationToken)
    {
        var bin = PostgresTools.BinDirectory(backup.ServerVersionNumber / 10000)!;
        var target = recovery.Target;
        // Beside the data directory, not in it: the server keeps writing it after recovery, and a base backup would store it.
        var log = recovery.Log;
        await File.AppendAllTextAsync(log, "", cancellationToken);
        File.SetUnixFileMode(log, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (runAs)
        {
            await RunAsync("chown", [options.Owner, log], cancellationToken);
        }
        await using (var start = Start(runAs, options.Owner, Path.Combine(bin, "pg_ctl"), ["-D", target, "-l", log, "-s", "-W", "start"], writeStdin: false))
        {
            await start.EnsureSuccessAsync(cancellationToken);
        }
        // The restored pg_control says "in production" until recovery starts (it was copied from a running server), so
        // the end of recovery is told by PostgreSQL removing recovery.signal and then, after its end-of-recovery
        // checkpoint, marking the cluster in production again.
        var clock = Stopwatch.StartNew();
        var signal = Path.Combine(target, "recovery.signal");
        while (File.Exists(signal) || await ClusterStateAsync(bin, target, cancellationToken) != "in production")
        {
            await Task.Delay(200, cancellationToken);
            if (clock.Elapsed > TimeSpan.FromSeconds(1) && !File.Exists(Path.Combine(target, "postmaster.pid")) && File.Exists(signal))
            {
                throw new IOException($"the restored server stopped during recovery; its log says: {Tail(log)}");
            }
            if (clock.Elapsed > options.RecoveryTimeout)
            {
                throw new TimeoutException($"recovery did not finish within {options.RecoveryTimeout}; the server is still running in {target}; its log says: {Tail(log)}");
            }
        }
        if (options.Port is { } port)
        {
            while (true)
            {
                await using var ready = ChildProcess.Start(Path.Combine(bin, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "5"], readStdout: false);
                if (await ready.WaitAsync(cancellationToken) == 0)
                {
                    break;
                }
                if (clock.Elapsed > options.RecoveryTimeout)
                {
                    throw new TimeoutException($"the restored server does not accept connections on 127.0.0.1:{port}; its log says: {Tail(log)}");
                }
                await Task.Delay(200, cancellationToken);
            }
        }
        if (recovery.Pending)
        {
            // recovery_end_command failing is only a warning in PostgreSQL's log: run it again here, and fail if it fails.
            await using var end = Start(runAs, options.Owner, "/bin/sh", [recovery.EndScript], writeStdin: false);
            await end.EnsureSuccessAsync(cancellationToken);
        }
        if (recovery.SettingsLeft)
        {
            throw new IOException($"the restored server in {target} recovered, but the recovery settings are still in its postgresql.auto.conf; remove the lines between '# BEGIN lifeboat restore' and '# END lifeboat restore'");
        }
        var lines = File.ReadAllLines(log);
        var line = lines.LastOrDefault(l => l.Contains("recovery stopping", StringComparison.Ordinal))
            ?? lines.LastOrDefault(l => l.Contains("last completed transaction", StringComparison.Ordinal));
        var at = line?.IndexOf("LOG:", StringComparison.Ordinal) ?? -1;
        return at >= 0 ? line![(at + 4)..].Trim() : line?.Trim();
    }

    private static async Task<string> ClusterStateAsync(string bin, string target, CancellationToken cancellationToken)
    {
        await using var control = ChildProcess.Start(Path.Combine(bin, "pg_controldata"), [target], new Dictionary<string, string> { ["LC_ALL"] = "C" });
        var output = await new StreamReader(control.Stdout).ReadToEndAsync(cancellationToken);
        await control.EnsureSuccessAsync(cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Database cluster state:", StringComparison.Ordinal)) ?? "";
        return line.Length > 0 ? line["Database cluster state:".Length..].Trim() : "unknown";
    }

    private static string Tail(string log)
    {
        if (!File.Exists(log))
        {
            return "(no log)";
        }
        var lines = File.ReadAllLines(log);
        return string.Join(" | ", lines.TakeLast(6));
    }

    private static ChildProcess Start(bool runAs, string owner, string program, IReadOnlyList<string> arguments, bool writeStdin) => runAs
        ? ChildProcess.Start("runuser", ["-u", owner, "--", program, .. arguments], readStdout: false, writeStdin: writeStdin)
        : ChildProcess.Start(program, arguments, readStdout: false, writeStdin: writeStdin);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await using var child = ChildProcess.Start(program, arguments, readStdout: false);
        await child.EnsureSuccessAsync(cancellationToken);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
