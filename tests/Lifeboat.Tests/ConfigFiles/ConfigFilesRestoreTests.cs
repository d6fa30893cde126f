using Lifeboat.FileSystem;
using Lifeboat.Tests.Cli;
using Lifeboat.Testing;

namespace Lifeboat.Tests.ConfigFiles;

/// <summary>
/// Config files as a DR plan keeps them (.env secrets, TLS keys and certificates): backed up and restored through the
/// CLI with modes, owners and mtimes exactly as they were. The tests run as root, so other owners can be set.
/// </summary>
public sealed class ConfigFilesRestoreTests
{
    private const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode644 = Mode600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode750 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode Mode2710 = UnixFileMode.SetGroup | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute;

    private sealed record Entry(string Path, UnixFileMode Mode, uint Uid, uint Gid, string? Content = null, string? LinkTo = null);

    private static readonly Entry[] Layout =
    [
        new("app", Mode750, 0, 0),
        new("app/.env", Mode600, 1000, 1000, "DATABASE_URL=postgres://app:s3cr3t@db/app\nSECRET_KEY=ÿ-not-ascii\n"),
        new("app/nginx.conf", Mode644, 0, 0, "server { listen 443 ssl; }\n"),
        new("app/tls", Mode750, 999, 999),
        new("app/tls/server.key", Mode600, 999, 999, "-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n"),
        new("app/tls/server.crt", Mode644, 0, 0, "-----BEGIN CERTIFICATE-----\nMIID...\n-----END CERTIFICATE-----\n"),
        new("app/tls/current.crt", Mode644, 999, 998, LinkTo: "server.crt"),
        new("app/private", Mode2710, 0, 999),
        new("app/private/token", UnixFileMode.UserRead, 0, 999, "t0ken"),
    ];

    [Fact]
    public async Task A_config_folder_restores_with_modes_owners_and_mtimes_exactly()
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["LIFEBOAT_PASSWORD"] = "pw", ["LIFEBOAT_REPOSITORY"] = temp["repo"] };
        Assert.Equal(0, (await CliRunner.RunAsync(environment, "init")).ExitCode);
        var source = temp["etc"];
        Directory.CreateDirectory(source);
        var mtime = 1_700_000_000_123_456_789L;
        foreach (var entry in Layout)
        {
            var path = Path.Combine(source, entry.Path);
            if (entry.LinkTo is not null)
            {
                File.CreateSymbolicLink(path, entry.LinkTo);
            }
            else if (entry.Content is null)
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                File.WriteAllText(path, entry.Content);
            }
        }
        // Deepest first, so setting a directory's time is not undone by writing into it.
        foreach (var entry in Layout.Reverse())
        {
            var path = Path.Combine(source, entry.Path);
            Posix.LChown(path, entry.Uid, entry.Gid);
            if (entry.LinkTo is null)
            {
                File.SetUnixFileMode(path, entry.Mode);
            }
            Posix.SetTimes(path, mtime += 1_000_000_007, followSymlink: false);
        }
        var before = Layout.ToDictionary(e => e.Path, e => Posix.LStat(Path.Combine(source, e.Path)));

        var backup = await CliRunner.RunAsync(environment, "backup", source);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        var restore = await CliRunner.RunAsync(environment, "restore", "latest", "--target", temp["restored"]);
        Assert.True(restore.ExitCode == 0, restore.Stderr);

        var restoredRoot = temp["restored"] + source;
        AssertSame(before, restoredRoot);
        Assert.Equal(Layout.Length, Directory.GetFileSystemEntries(restoredRoot, "*", SearchOption.AllDirectories).Length);

        // Restored again over a copy that drifted (a key made world-readable, given away, edited; a directory opened up).
        var key = Path.Combine(restoredRoot, "app/tls/server.key");
        File.WriteAllText(key, "tampered");
        File.SetUnixFileMode(key, Mode644 | UnixFileMode.OtherWrite);
        Posix.LChown(key, 0, 0);
        File.SetUnixFileMode(Path.Combine(restoredRoot, "app/tls"), Mode750 | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        var again = await CliRunner.RunAsync(environment, "restore", "latest", "--target", temp["restored"]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        AssertSame(before, restoredRoot);
    }

    private static void AssertSame(Dictionary<string, FileStatus> before, string restoredRoot)
    {
        foreach (var entry in Layout)
        {
            var path = Path.Combine(restoredRoot, entry.Path);
            var status = Posix.LStat(path);
            var expected = before[entry.Path];
            Assert.True((expected.Uid, expected.Gid) == (status.Uid, status.Gid), $"{entry.Path}: owner {status.Uid}:{status.Gid}, expected {expected.Uid}:{expected.Gid}");
            Assert.True(expected.Mode == status.Mode, $"{entry.Path}: mode {Convert.ToString(status.Mode, 8)}, expected {Convert.ToString(expected.Mode, 8)}");
            Assert.True(expected.MtimeNanos == status.MtimeNanos, $"{entry.Path}: mtime {status.MtimeNanos}, expected {expected.MtimeNanos}");
            if (entry.Content is not null)
            {
                Assert.Equal(entry.Content, File.ReadAllText(path));
            }
            if (entry.LinkTo is not null)
            {
                Assert.Equal(entry.LinkTo, new FileInfo(path).LinkTarget);
            }
        }
    }
}
