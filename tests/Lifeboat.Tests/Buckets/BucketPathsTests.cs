using Lifeboat.Storage.S3.Buckets;

namespace Lifeboat.Tests.Buckets;

public sealed class BucketPathsTests
{
    [Theory]
    [InlineData("videos/a/seg1.ts", true)]
    [InlineData("unicode/ü é+x.txt", true)]
    [InlineData("a//b", false)]
    [InlineData("dir/", false)]
    [InlineData("/lead", false)]
    [InlineData("a/./b", false)]
    [InlineData("a/../b", false)]
    [InlineData("..", false)]
    [InlineData("nul\0name", false)]
    [InlineData("", false)]
    public void A_key_is_a_file_path_only_when_every_part_is_a_valid_file_name(string key, bool expected) =>
        Assert.Equal(expected, BucketPaths.IsFilePath(key));

    [Fact]
    public void A_name_over_255_bytes_is_not_a_file_path() =>
        Assert.False(BucketPaths.IsFilePath("dir/" + new string('é', 128)));

    [Fact]
    public void Keys_that_cannot_be_paths_or_collide_get_distinct_unmapped_files_and_the_rest_mirror_their_keys()
    {
        var paths = new BucketPaths();

        var mapped = new[] { ("p/a", "a"), ("p/a/b", "a/b"), ("p/c/d", "c/d"), ("p/c", "c"), ("p/x//y", "x//y"), ("p/x/", "x/"), ("p/e/f", "e/f") }
            .Select(k => paths.PathOf(k.Item1, k.Item2)).ToList();

        Assert.Equal("objects/a", mapped[0]);
        Assert.StartsWith("unmapped/", mapped[1]);
        Assert.Equal("objects/c/d", mapped[2]);
        Assert.StartsWith("unmapped/", mapped[3]);
        Assert.StartsWith("unmapped/", mapped[4]);
        Assert.StartsWith("unmapped/", mapped[5]);
        Assert.Equal("objects/e/f", mapped[6]);
        Assert.Equal(4, paths.Unmapped);
        Assert.Equal(mapped.Count, mapped.Distinct().Count());
    }
}
