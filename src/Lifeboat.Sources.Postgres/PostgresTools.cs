namespace Lifeboat.Sources.Postgres;

/// <summary>
/// Finds the PostgreSQL client programs (pg_dump, pg_restore, pg_basebackup, ...) of a given major version: Debian
/// installs each version under /usr/lib/postgresql/N/bin, and a dump must be taken by a pg_dump at least as new as
/// the server.
/// </summary>
public static class PostgresTools
{
    /// <summary>The directory holding the version's programs, or null when that version is not installed.</summary>
    public static string? BinDirectory(int major)
    {
        var folder = $"/usr/lib/postgresql/{major}/bin";
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>
    /// The path of <paramref name="program"/> for a server of major version <paramref name="serverMajor"/>: the same
    /// version's, else the newest installed newer one. Throws <see cref="FileNotFoundException"/> saying what to install.
    /// </summary>
    public static string Find(string program, int serverMajor)
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(Path.GetFileName).Select(n => int.TryParse(n, out var v) ? v : 0).Where(v => v >= serverMajor).Order()
            : Enumerable.Empty<int>();
        foreach (var version in installed)
        {
            var path = Path.Combine($"/usr/lib/postgresql/{version}/bin", program);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"{program} for PostgreSQL {serverMajor} or newer is not installed; install postgresql-client-{serverMajor}", program);
    }
}
