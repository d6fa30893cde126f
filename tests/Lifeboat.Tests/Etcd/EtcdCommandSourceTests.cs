using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Tests.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Etcd;

/// <summary>
/// etcd backed up end to end with the command source: 'etcdctl snapshot save {file}' into the repository, the snapshot
/// restored to a file, 'etcdutl/etcdctl snapshot restore' into a new data directory, a new etcd started on it, and
/// every key read back exactly.
/// </summary>
public sealed class EtcdCommandSourceTests
{
    [Fact]
    public async Task An_etcd_snapshot_taken_through_the_command_source_restores_into_a_new_member_with_every_key_exact()
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"] };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);

        SortedDictionary<string, string> expected;
        await using (var etcd = await EtcdServer.StartAsync(temp["etcd-data"], "origin", EtcdServer.FreePort()))
        {
            var random = new Random(7);
            for (var i = 0; i < 200; i++)
            {
                var value = i % 10 == 0 ? RandomNumberGenerator.GetBytes(random.Next(1, 20_000)) : Encoding.UTF8.GetBytes($"value {i} – ünïcode \"quoted\"");
                await etcd.PutAsync(Encoding.UTF8.GetBytes($"/registry/app/{i:D4}"), value);
            }
            await etcd.PutAsync([0xFF, 0x00, 0x01], []);
            await etcd.PutAsync(Encoding.UTF8.GetBytes("/registry/app/0007"), Encoding.UTF8.GetBytes("overwritten"));
            expected = await etcd.ReadAllAsync();

            var backup = await CliRunner.RunAsync(environment, "backup", "command", "--component", "etcd", "--stream", "etcd.snapshot", "--",
                "etcdctl", $"--endpoints={etcd.ClientUrl}", "snapshot", "save", "{file}");
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            await etcd.PutAsync(Encoding.UTF8.GetBytes("/registry/after-the-backup"), Encoding.UTF8.GetBytes("must not come back"));
        }
        Assert.Equal(201, expected.Count);

        var restore = await CliRunner.RunAsync(environment, "restore", "command", "latest", "--component", "etcd", "--stream", "etcd.snapshot", "--target", temp["etcd.snapshot"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        var peerPort = EtcdServer.FreePort();
        await RunAsync(RestoreTool(), "snapshot", "restore", temp["etcd.snapshot"], "--data-dir", temp["restored-data"], "--name", "restored",
            "--initial-cluster", $"restored=http://127.0.0.1:{peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPort}");

        await using var restored = await EtcdServer.StartAsync(temp["restored-data"], "restored", peerPort);
        Assert.Equal(expected, await restored.ReadAllAsync());
    }

    [Fact]
    public async Task An_unreachable_etcd_fails_the_backup_with_etcdctls_error_and_records_nothing()
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"] };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);

        var backup = await CliRunner.RunAsync(environment, "backup", "command", "--component", "etcd", "--stream", "etcd.snapshot", "--",
            "etcdctl", $"--endpoints=http://127.0.0.1:{EtcdServer.FreePort()}", "--dial-timeout=1s", "--command-timeout=3s", "snapshot", "save", "{file}");

        // Without --command-timeout, etcdctl 3.4 retries an unreachable endpoint for minutes.
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("etcdctl exited with code", backup.Stderr);
        Assert.Empty(Directory.GetFiles(temp["repo/snapshots"]));
    }

    /// <summary>etcd 3.5 and later restore with etcdutl; 3.4 (Debian 12's) only has 'etcdctl snapshot restore'.</summary>
    private static string RestoreTool() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "etcdutl"))) ? "etcdutl" : "etcdctl";

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }
}
