using Npgsql;

namespace Lifeboat.Sources.Postgres.Physical;

/// <summary>
/// A server to connect to, given as a libpq URL (<c>postgresql://user[:password]@host[:port][/database][?sslmode=...]</c>).
/// The URL is handed as is to PostgreSQL's own programs; Npgsql gets the same settings. A password missing from the
/// URL comes from PGPASSWORD (or ~/.pgpass for the programs).
/// </summary>
public sealed class PostgresConnection
{
    private PostgresConnection(NpgsqlConnectionStringBuilder settings)
    {
        Settings = settings;
    }

    /// <summary>Npgsql's settings for the same server.</summary>
    public NpgsqlConnectionStringBuilder Settings { get; }

    /// <summary>What to show in messages and snapshots: the URL without its password.</summary>
    public string Display => $"postgresql://{Settings.Username}@{Settings.Host}:{Settings.Port}/{Settings.Database}";

    /// <summary>Parses a URL; throws <see cref="ArgumentException"/> saying what form is expected.</summary>
    public static PostgresConnection Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres") || uri.Host.Length == 0)
        {
            throw new ArgumentException($"'{Redact(url)}' is not a connection URL such as postgresql://user@127.0.0.1:5432/postgres");
        }
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } database ? Uri.UnescapeDataString(database) : "postgres",
            Timeout = 15,
            CommandTimeout = 60,
            Pooling = false,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        settings.Username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : System.Environment.GetEnvironmentVariable("PGUSER") ?? System.Environment.UserName;
        settings.Password = userInfo.Length == 2 ? Uri.UnescapeDataString(userInfo[1]) : System.Environment.GetEnvironmentVariable("PGPASSWORD");
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, Uri.UnescapeDataString(v)) : (pair, "");
            if (key == "sslmode")
            {
                settings.SslMode = Enum.Parse<SslMode>(value.Replace("-", ""), ignoreCase: true);
            }
        }
        return new PostgresConnection(settings);
    }

    /// <summary>
    /// The environment that makes libpq programs (pg_basebackup) connect to this server as this login. The password
    /// travels only here, never on a command line, where any user could read it in the process list.
    /// </summary>
    public Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = Settings.Host!,
            ["PGPORT"] = Settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = Settings.Username!,
            ["PGDATABASE"] = Settings.Database!,
            ["PGCONNECT_TIMEOUT"] = "15",
            ["PGAPPNAME"] = "lifeboat",
        };
        if (Settings.Password is { } password)
        {
            environment["PGPASSWORD"] = password;
        }
        if (Settings.SslMode != SslMode.Prefer)
        {
            environment["PGSSLMODE"] = Settings.SslMode.ToString().ToLowerInvariant() switch
            {
                "verifyca" => "verify-ca",
                "verifyfull" => "verify-full",
                var mode => mode,
            };
        }
        return environment;
    }

    /// <summary>Opens a connection; a failure says which server and why.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(Settings.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw new IOException($"cannot connect to {Display}: {e.Message}", e);
        }
    }

    private static string Redact(string url)
    {
        var at = url.IndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var colon = scheme >= 0 && at > scheme ? url.IndexOf(':', scheme + 3) : -1;
        return colon >= 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }
}
