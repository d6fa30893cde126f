namespace Lifeboat.Tests.Storage;

/// <summary>The tests that share one s3rver process; they run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class S3rverCollection : ICollectionFixture<S3rverFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "s3rver";
}
