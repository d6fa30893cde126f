using System.CommandLine;
using Lifeboat.Sources.Redis;

namespace Lifeboat.Cli.Commands.Sources;

/// <summary>
/// <c>lifeboat backup redis [--url redis://[user:password@]host:port] [--redis-password-file F]</c>: an RDB snapshot of a
/// live server, taken over the replication protocol.
/// </summary>
public static class RedisBackupCommand
{
    /// <summary>The environment variable redis-cli also reads the password from.</summary>
    public const string PasswordVariable = "REDISCLI_AUTH";

    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The server: redis://[user:password@]host[:port]", DefaultValueFactory = _ => "redis://127.0.0.1:6379" };
        var passwordFile = new Option<string?>("--redis-password-file") { Description = $"Read the Redis password from this file (default: the URL's, then ${PasswordVariable})" };
        var connectTimeout = new Option<int>("--connect-timeout") { Description = "Seconds to wait for the connection", DefaultValueFactory = _ => 10 };
        var readTimeout = new Option<int>("--read-timeout") { Description = "Seconds the server may stay silent before the backup fails", DefaultValueFactory = _ => 60 };
        var command = new Command("redis", "Back up a live Redis server as an RDB snapshot (verified by its CRC-64); a refused login or a damaged transfer records nothing")
        {
            url, passwordFile, connectTimeout, readTimeout,
        };
        SourceBackup.AddCommonOptions(command);
        command.SetBody((context, ct) =>
        {
            var endpoint = RedisEndpoint.Parse(context.Parse.GetValue(url)!);
            if (endpoint.Password is null)
            {
                endpoint = endpoint with { Password = ReadPassword(context.Parse.GetValue(passwordFile)) };
            }
            var options = new RedisClientOptions
            {
                ConnectTimeout = Seconds(context.Parse.GetValue(connectTimeout), "--connect-timeout"),
                ReadTimeout = Seconds(context.Parse.GetValue(readTimeout), "--read-timeout"),
            };
            return SourceBackup.RunAsync(context, new RedisSource(endpoint, options), ct);
        });
        return command;
    }

    private static string? ReadPassword(string? file)
    {
        if (file is null)
        {
            var variable = Environment.GetEnvironmentVariable(PasswordVariable);
            return string.IsNullOrEmpty(variable) ? null : variable;
        }
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the Redis password file {file}: {e.Message}");
        }
        var password = text.TrimEnd('\r', '\n');
        return password.Length > 0 ? password : throw new UsageException($"the Redis password file {file} is empty");
    }

    private static TimeSpan Seconds(int value, string option) =>
        value > 0 ? TimeSpan.FromSeconds(value) : throw new UsageException($"{option} must be a positive number of seconds");
}
