using System.Text;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// What a point-in-time restore adds to a restored data directory for recovery, and how it goes again. Nothing secret
/// is written into the data directory (a later base backup would store it): the restore_command wrapper, which holds
/// the repository's password or key file path and AWS variables, lives in a 0700 folder beside it,
/// <c>DIR.lifeboat-recovery</c>, with a second script that PostgreSQL runs once at the end of recovery
/// (recovery_end_command). That script removes the block of settings Lifeboat appended to postgresql.auto.conf
/// (restore_command, recovery_target_*, recovery_end_command, and with a port the port, listen_addresses and
/// unix_socket_directories, which the running server keeps until its next restart), then the folder itself, and has
/// the server reload its configuration. Only
/// <c>archive_mode = 'off'</c> stays (unless archiving is kept): a restored copy must not archive its new timeline into
/// its origin's archive. The server log of a started restore is <c>DIR.lifeboat-recovery.log</c>, beside the data
/// directory.
/// </summary>
internal sealed class RecoverySettings(string target)
{
    private const string Begin = "# BEGIN lifeboat restore: removed by recovery_end_command at the end of recovery";
    private const string End = "# END lifeboat restore";

    /// <summary>The data directory.</summary>
    public string Target { get; } = target;

    /// <summary>The 0700 folder that holds the two scripts until the end of recovery.</summary>
    public string Folder => Target + ".lifeboat-recovery";

    /// <summary>The restore_command wrapper (it holds secrets).</summary>
    public string FetchScript => Path.Combine(Folder, "wal-fetch.sh");

    /// <summary>The recovery_end_command script.</summary>
    public string EndScript => Path.Combine(Folder, "recovery-end.sh");

    /// <summary>The log of a server the restore starts.</summary>
    public string Log => Target + ".lifeboat-recovery.log";

    private string AutoConf => Path.Combine(Target, "postgresql.auto.conf");

    /// <summary>Writes the scripts, the settings and recovery.signal; <paramref name="socketDirectory"/> is used with a port.</summary>
    public async Task WriteAsync(PhysicalRestoreOptions options, string socketDirectory, CancellationToken cancellationToken)
    {
        // A folder left by an earlier restore into the same directory is replaced, never reused: it may hold other secrets.
        Remove();
        Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fetch = new StringBuilder("#!/bin/sh\n# Written by 'lifeboat restore postgres --physical': fetches archived WAL for recovery (restore_command).\n");
        foreach (var (name, value) in options.FetchEnvironment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            fetch.Append("export ").Append(name).Append('=').Append(Quote(value)).Append('\n');
        }
        fetch.Append("exec ").Append(string.Join(' ', options.FetchCommand.Select(Quote))).Append(" \"$1\" \"$2\"\n");
        await WriteScriptAsync(FetchScript, fetch.ToString(), cancellationToken);
        var conf = Quote(AutoConf);
        var pid = Quote(Path.Combine(Target, "postmaster.pid"));
        await WriteScriptAsync(EndScript, "#!/bin/sh\n# Written by 'lifeboat restore postgres --physical', run once at the end of recovery (recovery_end_command):\n"
            + "# removes the settings the restore added to postgresql.auto.conf, then the folder holding this script and the WAL fetch script.\nset -e\n"
            + $"sed '/^{Begin}$/,/^{End}$/d' {conf} > {conf}.lifeboat-new\nmv {conf}.lifeboat-new {conf}\nrm -rf {Quote(Folder)}\n"
            // A reload makes the running server drop restore_command and the target too (port and sockets wait for a restart).
            + $"if [ -f {pid} ]; then kill -HUP \"$(head -n 1 {pid})\"; fi\n", cancellationToken);

        var settings = new List<string> { "" };
        if (!options.KeepArchiving)
        {
            // A restored copy must not archive into its origin's archive: its new timeline's WAL is not the origin's.
            settings.Add("# Added by 'lifeboat restore postgres --physical' (without --keep-archiving)");
            settings.Add("archive_mode = 'off'");
        }
        settings.Add(Begin);
        settings.Add($"restore_command = {Literal(Quote(FetchScript) + " %f %p")}");
        settings.Add($"recovery_end_command = {Literal(Quote(EndScript))}");
        settings.Add("recovery_target_action = 'promote'");
        if (options.Target.Setting is { } setting)
        {
            settings.Add($"{setting.Setting} = {Literal(setting.Value)}");
        }
        if (options.Timeline is { } timeline)
        {
            settings.Add($"recovery_target_timeline = {Literal(timeline)}");
        }
        if (options.Port is { } port)
        {
            settings.Add($"port = {port}");
            settings.Add("listen_addresses = '127.0.0.1'");
            // Never the data directory: a socket there would be read by the next base backup of the restored cluster.
            settings.Add($"unix_socket_directories = {Literal(socketDirectory)}");
        }
        settings.Add(End);
        await File.AppendAllLinesAsync(AutoConf, settings, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(Target, "recovery.signal"), [], cancellationToken);
    }

    /// <summary>Whether the end-of-recovery script has not run (yet): its folder is still there.</summary>
    public bool Pending => Directory.Exists(Folder) || File.Exists(EndScript);

    /// <summary>Whether postgresql.auto.conf still holds the restore's block.</summary>
    public bool SettingsLeft => File.Exists(AutoConf) && File.ReadLines(AutoConf).Any(l => l == Begin);

    /// <summary>Removes the folder with the scripts (after a failed restore, or to replace one left by an earlier restore).</summary>
    public void Remove()
    {
        if (Directory.Exists(Folder) && (File.GetAttributes(Folder) & FileAttributes.ReparsePoint) == 0)
        {
            Directory.Delete(Folder, recursive: true);
        }
        else if (File.Exists(Folder) || Directory.Exists(Folder))
        {
            // A symbolic link (or a file) where the folder goes: removed, never followed.
            File.Delete(Folder);
        }
    }

    private static async Task WriteScriptAsync(string path, string text, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, text, cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    // A value in postgresql.auto.conf's syntax.
    private static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    // A word for /bin/sh.
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
