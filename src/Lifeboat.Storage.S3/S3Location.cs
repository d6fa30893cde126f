namespace Lifeboat.Storage.S3;

/// <summary>
/// Where an S3 repository lives: an optional endpoint, a bucket and a key prefix, parsed from a repository URL.
/// <list type="bullet">
/// <item><c>s3:http://127.0.0.1:9000/bucket/prefix</c> or <c>s3:https://host/bucket/prefix</c>: an S3-compatible
/// server at that endpoint, addressed path-style (<c>host/bucket/key</c>).</item>
/// <item><c>s3:bucket/prefix</c> (or <c>s3://bucket/prefix</c>): Amazon S3 itself, in the region named by
/// <c>AWS_REGION</c> or <c>AWS_DEFAULT_REGION</c> (or the AWS profile).</item>
/// </list>
/// The prefix may be empty (the repository is the whole bucket). Objects are stored under
/// <c>&lt;prefix&gt;/&lt;BlobName.RelativePath&gt;</c>.
/// </summary>
public sealed record S3Location
{
    /// <summary>The URL scheme prefix that selects S3.</summary>
    public const string Scheme = "s3:";

    /// <summary>The endpoint (<c>http(s)://host[:port]</c>), or null for Amazon S3's own endpoints.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix without leading or trailing slashes; empty for the bucket's root.</summary>
    public string Prefix { get; }

    private S3Location(Uri? endpoint, string bucket, string prefix)
    {
        Endpoint = endpoint;
        Bucket = bucket;
        Prefix = prefix;
    }

    /// <summary>Whether <paramref name="location"/> names an S3 repository (starts with <c>s3:</c>).</summary>
    public static bool IsS3(string location) => location.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses an <c>s3:</c> URL.</summary>
    /// <exception cref="FormatException">The URL is not a valid S3 location; the message says why.</exception>
    public static S3Location Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!IsS3(location))
        {
            throw new FormatException($"'{location}' is not an S3 location: it must start with '{Scheme}'");
        }

        var rest = location[Scheme.Length..];
        Uri? endpoint = null;
        if (rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(rest, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new FormatException($"'{location}' is not a valid S3 location: '{rest}' is not a URL");
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new FormatException($"'{location}' is not a valid S3 location: no query, fragment or user name is allowed");
            }
            endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority));
            rest = uri.AbsolutePath;
        }
        else if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
        }

        var parts = rest.Trim('/').Split('/');
        var bucket = parts[0];
        if (!IsValidBucket(bucket))
        {
            throw new FormatException(
                $"'{location}' is not a valid S3 location: '{bucket}' is not a bucket name (3 to 63 characters: a-z, 0-9, '.', '-')");
        }
        foreach (var segment in parts.Skip(1))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new FormatException($"'{location}' is not a valid S3 location: the prefix has an empty, '.' or '..' part");
            }
        }
        return new S3Location(endpoint, bucket, string.Join('/', parts.Skip(1)));
    }

    /// <summary>The full object key for <paramref name="relativePath"/>.</summary>
    public string KeyOf(string relativePath) => Prefix.Length == 0 ? relativePath : Prefix + "/" + relativePath;

    /// <summary>The location as an <c>s3:</c> URL, for messages.</summary>
    public override string ToString()
    {
        var path = Prefix.Length == 0 ? Bucket : Bucket + "/" + Prefix;
        return Endpoint is null ? Scheme + path : Scheme + Endpoint.GetLeftPart(UriPartial.Authority) + "/" + path;
    }

    private static bool IsValidBucket(string bucket) =>
        bucket.Length is >= 3 and <= 63
        && bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(bucket[0]) && char.IsAsciiLetterOrDigit(bucket[^1]);
}
