namespace Lifeboat.Sources.Postgres.Logical;

/// <summary>
/// A verification query and the text its single value must equal, written on the command line as
/// <c>SQL=EXPECTED</c>, split at the last '=' (SQL may compare with '='; expected values rarely hold one).
/// </summary>
public sealed record VerifyQuery(string Sql, string Expected)
{
    /// <summary>Parses <c>SQL=EXPECTED</c>; throws <see cref="ArgumentException"/> when there is no '=' or no SQL.</summary>
    public static VerifyQuery Parse(string text)
    {
        var at = text.LastIndexOf('=');
        var sql = at > 0 ? text[..at].Trim().TrimEnd(';').Trim() : "";
        return sql.Length > 0
            ? new VerifyQuery(sql, text[(at + 1)..].Trim())
            : throw new ArgumentException($"--verify '{text}' is not SQL=EXPECTED, e.g. --verify \"SELECT count(*) FROM orders=1200\"");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Sql} = {Expected}";
}
