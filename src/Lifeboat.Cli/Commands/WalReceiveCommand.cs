using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Lifeboat.Cli.Commands.Sources;
using Lifeboat.Sources.Postgres;
using Lifeboat.Sources.Postgres.Wal;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// <c>lifeboat wal receive</c>: continuous WAL streaming from a physical replication slot (pg_receivewal into a
/// staging folder, each completed segment pushed into the archive), for an RPO of seconds instead of
/// archive_timeout. It runs until SIGTERM or SIGINT, handles both itself (the stop pushes what pg_receivewal
/// completed, which may take longer than the command line's usual grace) and exits 0 after such a clean stop.
/// </summary>
public static class WalReceiveCommand
{
    private const string StagingVariable = "LIFEBOAT_WAL_STAGING";

    private static readonly JsonSerializerOptions JsonLines = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Whether the parsed command is this one, which handles SIGTERM and SIGINT itself.</summary>
    public static bool HandlesSignals(ParseResult parse) => parse.CommandResult.Command.Name == "receive" && parse.CommandResult.Parent is System.CommandLine.Parsing.CommandResult { Command.Name: "wal" };

    /// <summary>Builds the subcommand of <c>lifeboat wal</c>.</summary>
    public static Command Create()
    {
        var connection = PostgresBackupCommand.ConnectionOption();
        var passwordFile = PostgresBackupCommand.PasswordFileOption();
        var slot = new Option<string>("--slot") { Description = "The physical replication slot to stream from (the server keeps WAL until it is received)", Required = true };
        var createSlot = new Option<bool>("--create-slot") { Description = "Create the slot (physical, reserving WAL at once) when it does not exist" };
        var component = new Option<string>("--component") { Description = "Component whose cluster's WAL this is (default: postgres)", DefaultValueFactory = _ => "postgres" };
        var staging = new Option<string?>("--staging")
        {
            Description = $"Folder pg_receivewal writes into; it holds the only copy of the newest WAL until pushed (default: ${StagingVariable})",
        };
        var statusInterval = new Option<int>("--status-interval") { Description = "Seconds between pg_receivewal's position reports when idle", DefaultValueFactory = _ => 10 };
        var program = new Option<string?>("--pg-receivewal") { Description = "The pg_receivewal program to run (default: the installed one of the server's major version)" };
        var command = new Command("receive", "Stream WAL from a replication slot (pg_receivewal) and push each completed segment at once, for an RPO of seconds; runs until SIGTERM/SIGINT")
        {
            connection, passwordFile, slot, createSlot, component, staging, statusInterval, program,
        };
        command.SetBody(async (context, ct) =>
        {
            var folder = context.Parse.GetValue(staging) ?? Environment.GetEnvironmentVariable(StagingVariable);
            if (string.IsNullOrEmpty(folder))
            {
                throw new UsageException($"give --staging DIR (or ${StagingVariable}): the folder on durable local disk where pg_receivewal writes the WAL it has not completed yet");
            }
            var interval = context.Parse.GetValue(statusInterval);
            if (interval is < 1 or > 3600)
            {
                throw new UsageException($"--status-interval {interval} is not between 1 and 3600 seconds");
            }
            var options = new WalReceiveOptions
            {
                Connection = PostgresConnection.Parse(context.Parse.GetValue(connection)!, context.Parse.GetValue(passwordFile)),
                Slot = context.Parse.GetValue(slot)!,
                CreateSlot = context.Parse.GetValue(createSlot),
                Component = context.Parse.GetValue(component)!,
                Staging = folder,
                StatusInterval = TimeSpan.FromSeconds(interval),
                Program = context.Parse.GetValue(program),
            };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void OnSignal(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stop.Cancel();
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

            var repository = await context.OpenRepositoryAsync(loadIndex: false, LockMode.None, stop.Token);
            var quiet = context.Parse.GetValue(GlobalOptions.Quiet);
            if (!quiet)
            {
                await Console.Error.WriteLineAsync($"lifeboat wal receive: starting: slot '{options.Slot}' of {options.Connection.Display} through {Path.GetFullPath(folder)} into component '{options.Component}'");
            }
            var count = await new WalReceiver(new WalArchive(repository), options).RunAsync(file => Report(context, quiet, file),
                warning => Console.Error.WriteLine($"lifeboat wal receive: {warning}"), stop.Token);
            if (!quiet)
            {
                await Console.Error.WriteLineAsync($"lifeboat wal receive: stopped; {count} file(s) pushed, the segment not yet complete stays in {Path.GetFullPath(folder)} as .partial");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Report(CommandContext context, bool quiet, WalReceivedFile file)
    {
        if (context.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                file = file.File, bytes = file.Bytes, stored = file.Stored,
                pushSeconds = Math.Round(file.PushTime.TotalSeconds, 3), lagSeconds = Math.Round(file.Lag.TotalSeconds, 3),
            }, JsonLines));
        }
        else if (!quiet)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(file.Stored ? "archived" : "already archived")} {file.File} ({Size.Format(file.Bytes)}): pushed in {file.PushTime.TotalSeconds:0.000} s, {file.Lag.TotalSeconds:0.000} s after pg_receivewal completed it"));
        }
    }
}
