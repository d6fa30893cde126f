using System.Diagnostics;
using Lifeboat.Testing;
using Lifeboat.Tests.Cli;

namespace Lifeboat.Tests.Postgres.Wal;

public sealed class WalPushCrashTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_push_killed_at_a_random_moment_leaves_nothing_or_the_whole_segment_and_the_retry_succeeds()
    {
        var environment = new Dictionary<string, string?>
        {
            ["LIFEBOAT_REPOSITORY"] = Path.Combine(_folder.Path, "repo"),
            ["LIFEBOAT_PASSWORD_FILE"] = Path.Combine(_folder.Path, "password"),
        };
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "password"), "crash-password\n");
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);
        var keyFile = Path.Combine(_folder.Path, "key");
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "key", "add", "--random-key-file", keyFile)).ExitCode);
        environment["LIFEBOAT_KEY_FILE"] = keyFile;
        var segments = Directory.CreateDirectory(Path.Combine(_folder.Path, "pg_wal")).FullName;
        var random = new Random();

        for (ulong number = 1; number <= 4; number++)
        {
            var segment = FakeSegments.Write(segments, 99, number);
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])[typeof(Lifeboat.Cli.Program).Assembly.Location, "wal", "push", segment])
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
            using (var push = Process.Start(start)!)
            {
                await Task.Delay(random.Next(50, 600));
                push.Kill(entireProcessTree: true);
                await push.WaitForExitAsync();
            }

            var retry = await CliRunner.RunAsync(environment, "wal", "push", segment);
            Assert.Equal(0, retry.ExitCode);
            var fetched = Path.Combine(_folder.Path, "fetched");
            Assert.Equal(0, (await CliRunner.RunAsync(environment, "wal", "fetch", Path.GetFileName(segment), fetched)).ExitCode);
            Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(fetched));
        }
    }
}
