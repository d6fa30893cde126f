using Lifeboat.Sources.Redis;

namespace Lifeboat.Tests.Redis;

public sealed class RedisEndpointTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:6380", "127.0.0.1", 6380, null, null)]
    [InlineData("redis://localhost", "localhost", 6379, null, null)]
    [InlineData("10.0.0.5:7000", "10.0.0.5", 7000, null, null)]
    [InlineData("redis://:s3cret@127.0.0.1:6379", "127.0.0.1", 6379, null, "s3cret")]
    [InlineData("redis://s3cret@127.0.0.1", "127.0.0.1", 6379, null, "s3cret")]
    [InlineData("redis://backup:p%40ss%3Aword@127.0.0.1:6379/", "127.0.0.1", 6379, "backup", "p@ss:word")]
    public void A_url_gives_host_port_user_and_password(string url, string host, int port, string? user, string? password)
    {
        var endpoint = RedisEndpoint.Parse(url);

        Assert.Equal((host, port, user, password), (endpoint.Host, endpoint.Port, endpoint.User, endpoint.Password));
    }

    [Fact]
    public void The_display_form_never_shows_the_password()
    {
        var endpoint = RedisEndpoint.Parse("redis://backup:topsecret@127.0.0.1:6390");

        Assert.Equal("redis://127.0.0.1:6390", endpoint.ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379")]
    [InlineData("rediss://127.0.0.1:6379")]
    [InlineData("redis://127.0.0.1:6379/2?x=1")]
    public void Anything_else_is_refused_without_echoing_a_password(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => RedisEndpoint.Parse(url.Replace("//", "//u:topsecret@")));

        Assert.DoesNotContain("topsecret", error.Message);
    }
}
