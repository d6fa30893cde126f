using System.Net.Sockets;
using Npgsql;

namespace Lifeboat.Sources.Postgres;

/// <summary>
/// Where a PostgreSQL server is and who to log in as, parsed once from a URL (<c>postgresql://user@host:port/db</c>)
/// or a keyword string (<c>Host=h;Port=p;Username=u;Database=d</c> or libpq's <c>host=h port=p user=u dbname=d</c>).
/// The password never comes from the connection text (it would show in process listings and shell history): it is
/// read from a file or $PGPASSWORD, and handed to child programs only through their environment. It is never part of
/// <see cref="Display"/>, error messages or snapshot metadata.
/// </summary>
public sealed class PostgresConnection
{
    private readonly string? _password;
    private readonly string? _sslMode;

    private PostgresConnection(string host, int port, string user, string? database, string? sslMode, string? password)
    {
        Host = host;
        Port = port;
        User = user;
        Database = database;
        _sslMode = sslMode;
        _password = password;
    }

    /// <summary>The host name, address or Unix socket directory.</summary>
    public string Host { get; }
    /// <summary>The TCP port (or socket number).</summary>
    public int Port { get; }
    /// <summary>The login role.</summary>
    public string User { get; }
    /// <summary>The database named in the connection, or null when none was named.</summary>
    public string? Database { get; }

    /// <summary>The connection as a URL without the password, for messages and snapshot paths.</summary>
    public string Display => $"postgresql://{Uri.EscapeDataString(User)}@{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/{Uri.EscapeDataString(Database ?? "")}";

    /// <summary>
    /// Parses <paramref name="text"/>. The password comes from <paramref name="passwordFile"/> (first line), else
    /// $PGPASSWORD, else none (the server may trust the client, or ~/.pgpass may hold it). Throws
    /// <see cref="ArgumentException"/> for malformed text, a password inside it, or an unreadable password file.
    /// </summary>
    public static PostgresConnection Parse(string text, string? passwordFile)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("--connection is empty: give postgresql://user@host:port/database");
        }
        var password = ReadPassword(passwordFile);
        return text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? FromUrl(text, password)
            : FromKeywords(text, password);
    }

    /// <summary>The same server, login and database, with <paramref name="password"/> (a plan's secret).</summary>
    public PostgresConnection WithPassword(string password) => new(Host, Port, User, Database, _sslMode, password);

    /// <summary>The same login and database on another server (a restored copy of this one).</summary>
    public PostgresConnection AtServer(string host, int port) => new(host, port, User, Database, _sslMode, _password);

    /// <summary>The same server and login, connected to <paramref name="database"/>.</summary>
    public PostgresConnection WithDatabase(string database) => new(Host, Port, User, database, _sslMode, _password);

    /// <summary>
    /// Opens a connection to <paramref name="database"/> (default: <see cref="Database"/>, else "postgres"). Failures
    /// are thrown as <see cref="InvalidOperationException"/> saying what went wrong in words: a refused login, an
    /// unreachable server, a missing database.
    /// </summary>
    public async Task<NpgsqlConnection> OpenAsync(string? database, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Database = database ?? Database ?? "postgres",
            Pooling = false,
            Timeout = 15,
            ApplicationName = "lifeboat",
            // Verification counts and dumps of big databases take as long as they take.
            CommandTimeout = 0,
        };
        if (_password is not null)
        {
            builder.Password = _password;
        }
        if (_sslMode is not null)
        {
            builder.SslMode = Enum.Parse<SslMode>(_sslMode.Replace("-", ""), ignoreCase: true);
        }
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw Explain(e, $"connecting to {WithDatabase(builder.Database).Display}");
        }
    }

    /// <summary>
    /// The environment that makes libpq programs (pg_dump, pg_restore, psql) connect to <paramref name="database"/>
    /// as this login, the password included, so it never appears on a command line.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(string database)
    {
        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = User,
            ["PGDATABASE"] = database,
            ["PGAPPNAME"] = "lifeboat",
            ["PGCONNECT_TIMEOUT"] = "15",
        };
        if (_password is not null)
        {
            environment["PGPASSWORD"] = _password;
        }
        if (_sslMode is not null)
        {
            environment["PGSSLMODE"] = _sslMode;
        }
        return environment;
    }

    /// <summary>
    /// A libpq connection string naming only the database (everything else comes from <see cref="Environment"/>), for
    /// <c>--dbname</c>: a plain name holding '=' would otherwise be read as a connection string.
    /// </summary>
    public static string DatabaseArgument(string database) => "dbname='" + database.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    /// <summary>
    /// Turns an Npgsql failure into an <see cref="InvalidOperationException"/> whose message says what happened while
    /// <paramref name="doing"/> and what to check; the password is never part of it.
    /// </summary>
    public Exception Explain(Exception e, string doing)
    {
        var where = $"{Host}:{Port}";
        return e switch
        {
            PostgresException { SqlState: "28P01" or "28000" } p =>
                new InvalidOperationException($"PostgreSQL at {where} refused the login of '{User}' while {doing}: {p.MessageText}; check the password ($PGPASSWORD or --pg-password-file) and pg_hba.conf", e),
            PostgresException { SqlState: "3D000" } p =>
                new InvalidOperationException($"{p.MessageText} on {where} (while {doing}); check the database name in --connection", e),
            PostgresException p =>
                new InvalidOperationException($"PostgreSQL at {where} failed while {doing}: {p.MessageText} (SQLSTATE {p.SqlState})", e),
            NpgsqlException { InnerException: SocketException s } =>
                new InvalidOperationException($"cannot reach PostgreSQL at {where} while {doing}: {s.Message}; is the server running and listening there?", e),
            NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
                new InvalidOperationException($"PostgreSQL at {where} did not answer in time while {doing}; is the server up and the network open?", e),
            _ => new InvalidOperationException($"PostgreSQL at {where} failed while {doing}: {e.Message}", e),
        };
    }

    private static PostgresConnection FromUrl(string text, string? password)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ArgumentException($"'{text}' is not a valid postgresql:// URL; expected postgresql://user@host:port/database");
        }
        var userInfo = uri.UserInfo;
        if (userInfo.Contains(':'))
        {
            throw new ArgumentException("the connection URL holds a password; remove it and give it through $PGPASSWORD or --pg-password-file (a URL shows up in process listings and shell history)");
        }
        var user = userInfo.Length > 0 ? Uri.UnescapeDataString(userInfo) : System.Environment.UserName;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        string? sslMode = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = SplitPair(pair, '=');
            sslMode = key.ToLowerInvariant() switch
            {
                "sslmode" => CheckSslMode(Uri.UnescapeDataString(value)),
                "password" => throw new ArgumentException("the connection URL holds a password; give it through $PGPASSWORD or --pg-password-file instead"),
                _ => throw new ArgumentException($"the connection URL parameter '{key}' is not supported; only sslmode is"),
            };
        }
        var host = uri.Host.Trim('[', ']');
        return new PostgresConnection(host, uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, user, database.Length > 0 ? database : null, sslMode, password);
    }

    private static PostgresConnection FromKeywords(string text, string? password)
    {
        // Npgsql's "Key=Value;..." or libpq's "key=value key=value".
        var pairs = text.Contains(';')
            ? text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string host = "localhost", user = System.Environment.UserName;
        string? database = null, sslMode = null;
        var port = 5432;
        foreach (var pair in pairs)
        {
            var (key, value) = SplitPair(pair, '=');
            switch (key.Replace(" ", "").ToLowerInvariant())
            {
                case "host" or "server":
                    host = value;
                    break;
                case "port":
                    port = int.TryParse(value, out var p) && p is > 0 and < 65536 ? p : throw new ArgumentException($"'{value}' is not a valid port");
                    break;
                case "user" or "username" or "userid":
                    user = value;
                    break;
                case "dbname" or "database":
                    database = value;
                    break;
                case "sslmode":
                    sslMode = CheckSslMode(value);
                    break;
                case "password" or "pwd":
                    throw new ArgumentException("the connection string holds a password; remove it and give it through $PGPASSWORD or --pg-password-file");
                default:
                    throw new ArgumentException($"the connection keyword '{key}' is not supported; use host, port, user/username, dbname/database and sslmode");
            }
        }
        return new PostgresConnection(host, port, user, database, sslMode, password);
    }

    private static (string Key, string Value) SplitPair(string pair, char separator)
    {
        var at = pair.IndexOf(separator);
        return at > 0
            ? (pair[..at].Trim(), pair[(at + 1)..].Trim().Trim('\''))
            : throw new ArgumentException($"'{pair}' in the connection is not key{separator}value");
    }

    private static string CheckSslMode(string value) =>
        value is "disable" or "allow" or "prefer" or "require" or "verify-ca" or "verify-full"
            ? value
            : throw new ArgumentException($"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full");

    private static string? ReadPassword(string? passwordFile)
    {
        if (passwordFile is null)
        {
            var variable = System.Environment.GetEnvironmentVariable("PGPASSWORD");
            return string.IsNullOrEmpty(variable) ? null : variable;
        }
        try
        {
            var line = File.ReadLines(passwordFile).FirstOrDefault()?.TrimEnd('\r');
            return string.IsNullOrEmpty(line) ? throw new ArgumentException($"the password file {passwordFile} is empty") : line;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the password file {passwordFile}: {e.Message}", e);
        }
    }
}
