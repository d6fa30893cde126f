using Lifeboat.Cli;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Buckets;

/// <summary><c>lifeboat backup bucket</c> and <c>lifeboat restore bucket</c> as a user types them, against s3rver.</summary>
[Collection(S3rverCollection.Name)]
public sealed class BucketCliTests(S3rverFixture server) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private Dictionary<string, string?> Environment() => new()
    {
        ["LIFEBOAT_REPOSITORY"] = _temp["repo"],
        ["LIFEBOAT_PASSWORD"] = "bucket-cli-password",
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_PROFILE"] = null,
        ["AWS_SESSION_TOKEN"] = null,
    };

    [Fact]
    public async Task Backup_bucket_then_restore_bucket_to_a_directory_and_a_bucket_round_trips_and_a_missing_bucket_fails_clearly()
    {
        using var source = await TestBucket.CreateAsync(server, "src");
        using var target = await TestBucket.CreateAsync(server, "dst");
        var one = TestData.Random(120_000, 1);
        var two = TestData.Text(3_000, 2);
        await source.PutAsync("uploads/2024/one.jpg", one, "image/jpeg", new Dictionary<string, string> { ["owner"] = "42" });
        await source.PutAsync("uploads/two.txt", two, "text/plain");
        var env = Environment();
        Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);

        var backup = await CliRunner.RunAsync(env, "backup", "bucket", source.Location("uploads"), "--component", "uploads");
        var toDirectory = await CliRunner.RunAsync(env, "restore", "bucket", "latest", "--target", _temp["files"]);
        var toBucket = await CliRunner.RunAsync(env, "restore", "bucket", "latest", "--component", "uploads", "--to", target.Location());
        var again = await CliRunner.RunAsync(env, "restore", "bucket", "latest", "--target", _temp["files"]);
        var missing = await CliRunner.RunAsync(env, "backup", "bucket", $"s3:{server.Endpoint.GetLeftPart(UriPartial.Authority)}/no-such-bucket-here");
        var snapshots = await CliRunner.RunAsync(env, "snapshots", "--json");

        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.Contains("(bucket)", backup.Stdout);
        Assert.True(toDirectory.ExitCode == 0, toDirectory.Stderr);
        Assert.Equal(one, await File.ReadAllBytesAsync(Path.Combine(_temp["files"], "2024", "one.jpg")));
        Assert.Equal(two, await File.ReadAllBytesAsync(Path.Combine(_temp["files"], "two.txt")));
        Assert.True(toBucket.ExitCode == 0, toBucket.Stderr);
        Assert.Contains("2 written and verified", toBucket.Stdout);
        var restored = await target.ReadAllAsync();
        Assert.Equal(one, restored["2024/one.jpg"].Content);
        Assert.Equal("42", restored["2024/one.jpg"].Metadata["owner"]);
        Assert.Equal("text/plain", restored["two.txt"].ContentType);
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains("not empty", again.Stderr);
        Assert.Equal(ExitCodes.Failure, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
        Assert.Equal(1, System.Text.Json.JsonDocument.Parse(snapshots.Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Refused_credentials_and_a_malformed_location_fail_clearly_and_record_nothing()
    {
        using var source = await TestBucket.CreateAsync(server, "src");
        await source.PutAsync("one.txt", TestData.Text(100, 1));
        var env = Environment();
        Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);
        env["AWS_ACCESS_KEY_ID"] = "NOT-A-KNOWN-KEY";

        var refused = await CliRunner.RunAsync(env, "backup", "bucket", source.Location());
        var malformed = await CliRunner.RunAsync(env, "backup", "bucket", "s3:http://127.0.0.1:1/");
        var neither = await CliRunner.RunAsync(env, "restore", "bucket", "latest");
        var snapshots = await CliRunner.RunAsync(env, "snapshots", "--json");

        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("S3 refused", refused.Stderr);
        Assert.Contains("AWS_ACCESS_KEY_ID", refused.Stderr);
        Assert.Equal(ExitCodes.Usage, malformed.ExitCode);
        Assert.Contains("not a valid S3 location", malformed.Stderr);
        Assert.Equal(ExitCodes.Usage, neither.ExitCode);
        Assert.Equal(0, System.Text.Json.JsonDocument.Parse(snapshots.Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_bucket_lost_after_its_backup_is_created_again_by_restore_bucket_unless_no_create_bucket_is_given()
    {
        var lost = await TestBucket.CreateAsync(server, "lost");
        using var _ = lost;
        var one = TestData.Random(80_000, 3);
        await lost.PutAsync("videos/one.mp4", one, "video/mp4", new Dictionary<string, string> { ["job"] = "7" });
        await lost.PutAsync("two.txt", TestData.Text(2_000, 4), "text/plain");
        var env = Environment();
        Assert.Equal(0, (await CliRunner.RunAsync(env, "init")).ExitCode);
        var backup = await CliRunner.RunAsync(env, "backup", "bucket", lost.Location(), "--component", "media");
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        await lost.DeleteBucketAsync();
        Assert.False(await lost.ExistsAsync());

        var refused = await CliRunner.RunAsync(env, "restore", "bucket", "latest", "--component", "media", "--to", lost.Location(), "--no-create-bucket");
        var stillMissing = await lost.ExistsAsync();
        var restore = await CliRunner.RunAsync(env, "restore", "bucket", "latest", "--component", "media", "--to", lost.Location(), "--json");

        Assert.Equal(ExitCodes.Failure, refused.ExitCode);
        Assert.Contains("does not exist", refused.Stderr);
        Assert.False(stillMissing);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(restore.Stdout);
        Assert.True(json.RootElement.GetProperty("createdBucket").GetBoolean());
        Assert.Equal(2, json.RootElement.GetProperty("written").GetInt32());
        var restored = await lost.ReadAllAsync();
        Assert.Equal(["two.txt", "videos/one.mp4"], restored.Keys);
        Assert.Equal(one, restored["videos/one.mp4"].Content);
        Assert.Equal("7", restored["videos/one.mp4"].Metadata["job"]);
        Assert.Equal("video/mp4", restored["videos/one.mp4"].ContentType);
    }
}
