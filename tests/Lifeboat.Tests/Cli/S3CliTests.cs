using Lifeboat.Cli;
using Lifeboat.Testing;
using Lifeboat.Tests.Storage;

namespace Lifeboat.Tests.Cli;

/// <summary>The command line against an <c>s3:</c> repository on a real s3rver, with credentials from the AWS variables.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _source;
    private readonly Dictionary<string, string?> _env;

    public S3CliTests(S3rverFixture server)
    {
        _source = _temp["source"];
        _env = new()
        {
            ["LIFEBOAT_REPOSITORY"] = server.NewLocation(),
            ["LIFEBOAT_PASSWORD"] = "cli-test-password",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_PROFILE"] = null,
            ["AWS_SESSION_TOKEN"] = null,
        };
        TestData.Write(Path.Combine(_source, "a.txt"), TestData.Text(50_000, 1));
        TestData.Write(Path.Combine(_source, "sub/b.bin"), TestData.Random(300_000, 2));
    }

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    [Fact]
    public async Task Init_backup_check_and_restore_work_on_an_s3_url_and_a_second_init_is_refused()
    {
        var init = await Run("init");
        Assert.True(init.ExitCode == 0, init.Stderr);
        Assert.Contains("created repository", init.Stdout);
        var again = await Run("init");
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains("already holds a repository", again.Stderr);

        var backup = await Run("backup", _source);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var check = await Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);
        var restore = await Run("restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, _temp["restore"] + _source));
    }

    [Fact]
    public async Task Wrong_credentials_fail_with_a_message_that_names_the_AWS_variables()
    {
        // s3rver checks the access key ID but not SigV4 signatures, so a wrong secret would pass there.
        _env["AWS_ACCESS_KEY_ID"] = "NOT-A-KNOWN-KEY";

        var result = await Run("init");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("S3 refused", result.Stderr);
        Assert.Contains("AWS_ACCESS_KEY_ID", result.Stderr);
    }

    [Fact]
    public async Task A_malformed_s3_url_is_a_usage_error()
    {
        _env["LIFEBOAT_REPOSITORY"] = "s3:";

        var result = await Run("snapshots");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not a valid S3 location", result.Stderr);
    }

    [Fact]
    public async Task Killing_prune_on_s3_leaves_a_clean_repository_and_a_second_prune_finishes()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 12; i++)
            {
                TestData.Write(Path.Combine(_source, $"f{i}.bin"), TestData.Random(700_000, i % 2 == 0 ? i : round * 100 + i));
            }
            Assert.Equal(0, (await Run("backup", _source)).ExitCode);
        }
        Assert.Equal(0, (await Run("forget", "--keep-last", "1")).ExitCode);
        var random = new Random(7);
        for (var round = 0; round < 3; round++)
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var arg in new[] { typeof(Lifeboat.Cli.Program).Assembly.Location, "prune", "--repack-below", "95%" })
            {
                start.ArgumentList.Add(arg);
            }
            foreach (var (key, value) in _env)
            {
                start.Environment[key] = value;
            }
            using var process = System.Diagnostics.Process.Start(start)!;
            await Task.Delay(random.Next(300, 1500));
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            var check = await Run("check", "--read-data");
            Assert.True(check.ExitCode == 0, $"round {round}: {check.Stdout}{check.Stderr}");
        }
        var prune = await Run("prune");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        var restore = await Run("restore", "latest", "--target", _temp["restore-after-prune"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Empty(Lifeboat.Cli.Commands.TreeComparer.Compare(_source, _temp["restore-after-prune"] + _source));
    }

    [Fact]
    public async Task Wal_archived_ahead_into_s3_through_the_archive_script_is_fetched_byte_for_byte()
    {
        Assert.Equal(0, (await Run("init")).ExitCode);
        var key = Path.Combine(_temp.Path, "key");
        Assert.Equal(0, (await Run("key", "add", "--random-key-file", key)).ExitCode);
        _env["LIFEBOAT_KEY_FILE"] = key;
        var wal = Directory.CreateDirectory(Path.Combine(_temp.Path, "data", "pg_wal")).FullName;
        Directory.CreateDirectory(Path.Combine(wal, "archive_status"));
        var segments = Enumerable.Range(7, 4).Select(n => Lifeboat.Tests.Postgres.Wal.FakeSegments.WriteReady(wal, 7301234567890123456, (ulong)n)).ToArray();
        var written = await Run("wal", "archive-script");
        Assert.True(written.ExitCode == 0, written.Stderr);
        var script = Path.Combine(_temp.Path, "archive.sh");
        await File.WriteAllTextAsync(script, written.Stdout);

        // PostgreSQL's archiver: one run per segment, in order, in the data directory; the AWS keys come from its environment.
        foreach (var segment in segments)
        {
            var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(wal)! };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add("pg_wal/" + Path.GetFileName(segment));
            start.Environment["AWS_ACCESS_KEY_ID"] = "S3RVER";
            start.Environment["AWS_SECRET_ACCESS_KEY"] = "S3RVER";
            start.Environment.Remove("LIFEBOAT_REPOSITORY");
            start.Environment.Remove("LIFEBOAT_KEY_FILE");
            using var push = System.Diagnostics.Process.Start(start)!;
            // Read to the end: the background process the first push starts holds its output open until it is done.
            var stderr = push.StandardError.ReadToEndAsync();
            await push.StandardOutput.ReadToEndAsync();
            await push.WaitForExitAsync();
            // Nothing on stderr: the background process (whose stderr this is too) archived every segment it took on.
            Assert.Equal((0, ""), (push.ExitCode, await stderr));
            File.Move(Path.Combine(wal, "archive_status", Path.GetFileName(segment) + ".ready"), Path.Combine(wal, "archive_status", Path.GetFileName(segment) + ".done"));
        }

        // Every marker was consumed: the later pushes were proved by the shell, or waited for and then proved.
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_temp.Path, "data", "lifeboat-spool")), f => !Path.GetFileName(f).StartsWith('.'));
        foreach (var segment in segments)
        {
            var fetched = Path.Combine(_temp.Path, "fetched-" + Path.GetFileName(segment));
            var fetch = await Run("wal", "fetch", Path.GetFileName(segment), fetched);
            Assert.True(fetch.ExitCode == 0, fetch.Stderr);
            Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(fetched));
        }
    }
}
