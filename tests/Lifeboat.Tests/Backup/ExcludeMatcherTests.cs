using Lifeboat.Backup;

namespace Lifeboat.Tests.Backup;

public sealed class ExcludeMatcherTests
{
    [Theory]
    [InlineData("*.log", "/srv/app/x.log", "x.log", true)]
    [InlineData("*.log", "/srv/app/x.logs", "x.logs", false)]
    [InlineData("cache", "/srv/app/cache", "cache", true)]
    [InlineData("/srv/app/tmp", "/srv/app/tmp/a/b", "b", true)]
    [InlineData("/srv/app/tmp", "/srv/app/tmpfile", "tmpfile", false)]
    [InlineData("/srv/**/secret?", "/srv/a/b/secret1", "secret1", true)]
    [InlineData("/srv/*/x", "/srv/a/b/x", "x", false)]
    public void Patterns_match_like_restic_excludes(string pattern, string path, string name, bool excluded)
    {
        Assert.Equal(excluded, new ExcludeMatcher([pattern]).IsExcluded(path, name));
    }

    [Fact]
    public void An_empty_pattern_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ExcludeMatcher(["  "]));
    }
}
