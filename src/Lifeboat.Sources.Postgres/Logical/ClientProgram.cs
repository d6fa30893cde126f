using System.Text.RegularExpressions;

namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// A PostgreSQL client program (pg_dump, pg_dumpall, pg_restore, psql) checked to be at least as new as the server it
/// talks to: an older pg_dump refuses a newer server, and an older pg_restore cannot read a newer archive.
/// </summary>
public sealed partial class ClientProgram
{
    private ClientProgram(string path, int major)
    {
        Path = path;
        Major = major;
    }

    /// <summary>The program's path.</summary>
    public string Path { get; }
    /// <summary>Its major version (15 for 15.4).</summary>
    public int Major { get; }

    /// <summary>
    /// Finds <paramref name="name"/> for a server of major version <paramref name="serverMajor"/> (or uses
    /// <paramref name="overridePath"/>), runs it with <c>--version</c>, and throws
    /// <see cref="InvalidOperationException"/> naming the package to install when it is missing or too old.
    /// </summary>
    public static async Task<ClientProgram> FindAsync(string name, int serverMajor, string? overridePath, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = overridePath ?? PostgresTools.Find(name, serverMajor);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        string output;
        try
        {
            await using var child = ChildProcess.Start(path, ["--version"]);
            output = await new StreamReader(child.Stdout).ReadToEndAsync(cancellationToken);
            await child.EnsureSuccessAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or FileNotFoundException)
        {
            throw new InvalidOperationException($"{path} does not run ({e.Message}); install postgresql-client-{serverMajor}", e);
        }
        var match = VersionPattern().Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"{path} --version printed '{output.Trim()}', not a PostgreSQL version; install postgresql-client-{serverMajor}");
        }
        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (major < serverMajor)
        {
            throw new InvalidOperationException($"{path} is version {major}, older than the server ({serverMajor}); install postgresql-client-{serverMajor}");
        }
        return new ClientProgram(path, major);
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)")]
    private static partial Regex VersionPattern();
}
