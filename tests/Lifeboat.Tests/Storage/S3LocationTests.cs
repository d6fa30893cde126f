using Lifeboat.Storage.S3;

namespace Lifeboat.Tests.Storage;

/// <summary>Parsing of <c>s3:</c> repository URLs.</summary>
public sealed class S3LocationTests
{
    [Theory]
    [InlineData("s3:http://127.0.0.1:9000/bucket/some/prefix", "http://127.0.0.1:9000/", "bucket", "some/prefix")]
    [InlineData("s3:https://minio.example.org/backups/", "https://minio.example.org/", "backups", "")]
    [InlineData("s3:my-bucket/host1/files", null, "my-bucket", "host1/files")]
    [InlineData("s3://my-bucket/p", null, "my-bucket", "p")]
    [InlineData("S3:my-bucket", null, "my-bucket", "")]
    public void Valid_urls_parse_into_endpoint_bucket_and_prefix(string url, string? endpoint, string bucket, string prefix)
    {
        var location = S3Location.Parse(url);

        Assert.Equal(endpoint, location.Endpoint?.ToString());
        Assert.Equal(bucket, location.Bucket);
        Assert.Equal(prefix, location.Prefix);
        Assert.Equal(location, S3Location.Parse(location.ToString()));
    }

    [Theory]
    [InlineData("s3:")]
    [InlineData("s3:ab")]
    [InlineData("s3:Upper-Case")]
    [InlineData("s3:bucket/a//b")]
    [InlineData("s3:bucket/../x")]
    [InlineData("s3:http://host:9000/")]
    [InlineData("s3:http://host/bucket/p?x=1")]
    [InlineData("/srv/repo")]
    public void Malformed_urls_are_refused_with_a_FormatException(string url)
    {
        Assert.Throws<FormatException>(() => S3Location.Parse(url));
    }

    [Fact]
    public void Keys_are_the_prefix_then_the_relative_path()
    {
        Assert.Equal("p/q/data/ab/abcd", S3Location.Parse("s3:bucket/p/q").KeyOf("data/ab/abcd"));
        Assert.Equal("config", S3Location.Parse("s3:bucket").KeyOf("config"));
    }
}
