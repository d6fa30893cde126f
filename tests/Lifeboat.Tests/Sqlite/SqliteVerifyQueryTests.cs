using Lifeboat.Sources.Sqlite;

namespace Lifeboat.Tests.Sqlite;

/// <summary>Parsing of --verify-query "SQL=expected".</summary>
public sealed class SqliteVerifyQueryTests
{
    [Theory]
    [InlineData("SELECT count(*) FROM users=42", "SELECT count(*) FROM users", "42")]
    [InlineData("SELECT count(*) FROM t WHERE a = 1=0", "SELECT count(*) FROM t WHERE a = 1", "0")]
    [InlineData("SELECT name FROM t LIMIT 1= ", "SELECT name FROM t LIMIT 1", "")]
    [InlineData("PRAGMA integrity_check=ok", "PRAGMA integrity_check", "ok")]
    public void The_last_equals_sign_separates_the_sql_from_the_expected_value(string text, string sql, string expected)
    {
        Assert.Equal(new SqliteVerifyQuery(sql, expected), SqliteVerifyQuery.Parse(text));
    }

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("=1")]
    [InlineData("  =1")]
    public void Text_without_sql_or_an_equals_sign_is_a_usage_error(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => SqliteVerifyQuery.Parse(text));
        Assert.Contains("SQL=expected", error.Message);
    }
}
