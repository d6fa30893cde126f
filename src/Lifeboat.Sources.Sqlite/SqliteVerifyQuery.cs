namespace Lifeboat.Sources.Sqlite;

/// <summary>A query run against a restored database and the text its first column of its first row must equal.</summary>
public sealed record SqliteVerifyQuery(string Sql, string Expected)
{
    /// <summary>
    /// Parses <c>SQL=expected</c>, split at the last <c>=</c> (so the SQL may contain <c>=</c>; the expected value
    /// cannot). Throws <see cref="ArgumentException"/> when there is no <c>=</c> or no SQL.
    /// </summary>
    public static SqliteVerifyQuery Parse(string text)
    {
        var split = text.LastIndexOf('=');
        if (split <= 0 || text[..split].Trim().Length == 0)
        {
            throw new ArgumentException($"--verify-query '{text}' must be SQL=expected, e.g. \"SELECT count(*) FROM users=42\"");
        }
        return new SqliteVerifyQuery(text[..split].Trim(), text[(split + 1)..].Trim());
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Sql} = {Expected}";
}
