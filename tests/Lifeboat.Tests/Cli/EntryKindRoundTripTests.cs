using System.Net.Sockets;
using Lifeboat.Cli;
using Lifeboat.FileSystem;
using Lifeboat.Testing;

namespace Lifeboat.Tests.Cli;

/// <summary>
/// An ordinary system tree through the command line, as a recovery chains it: back up, restore, compare every entry's
/// type, mode, owner, times, link target, device number and hard-link identity; then back up the restored tree and
/// restore that again.
/// </summary>
public sealed class EntryKindRoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _env;

    public EntryKindRoundTripTests() =>
        _env = new() { ["LIFEBOAT_REPOSITORY"] = _temp["repo"], ["LIFEBOAT_PASSWORD"] = TestRepository.Password };

    public void Dispose() => _temp.Dispose();

    private Task<CliRunner.Result> Run(params string[] args) => CliRunner.RunAsync(_env, args);

    [Fact]
    public async Task Symlinks_to_directories_fifos_devices_and_hard_links_survive_backup_restore_and_a_second_round_and_a_socket_is_reported()
    {
        var source = _temp["src"];
        TestTree.WriteEveryKind(source);
        TestData.Write(Path.Combine(source, "etc/app.conf"), "secret=1\n"u8.ToArray());
        File.SetUnixFileMode(Path.Combine(source, "etc/app.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Posix.LChown(Path.Combine(source, "etc/app.conf"), 1234, 5678);
        Posix.SetTimes(Path.Combine(source, "doc/cpp-12"), 1_500_000_000_987_654_321, followSymlink: false);
        var socket = Path.Combine(source, "special/app.sock");
        // A live daemon's socket (.NET removes the file when the socket is disposed, so it stays open throughout).
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        Assert.True(Posix.LStat(socket).IsSocket);

        Assert.Equal(0, (await Run("init")).ExitCode);
        var backup = await Run("backup", source);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        Assert.Contains(socket, backup.Stderr);
        Assert.Contains("socket", backup.Stderr);

        var ls = await Run("ls", "latest", source + "/special");
        Assert.Equal(0, ls.ExitCode);
        Assert.Contains("fifo", ls.Stdout);
        Assert.DoesNotContain("app.sock", ls.Stdout);

        var first = _temp["restore1"];
        var restore = await Run("restore", "latest", "--target", first);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        AssertSameTree(source, first + source, leftOut: "special/app.sock");

        // The restored tree is itself a source: a second round must give the same tree again.
        var again = await Run("backup", first + source);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        var second = _temp["restore2"];
        var restoreAgain = await Run("restore", "latest", "--target", second);
        Assert.True(restoreAgain.ExitCode == 0, restoreAgain.Stdout + restoreAgain.Stderr);
        AssertSameTree(source, second + first + source, leftOut: "special/app.sock");
    }

    [Fact]
    public async Task A_fifo_named_as_the_source_path_itself_is_backed_up_and_restored()
    {
        var fifo = _temp["pipe"];
        Posix.MakeNode(fifo, FileStatus.FifoType | 0x180, 0);
        Assert.Equal(0, (await Run("init")).ExitCode);
        var backup = await Run("backup", fifo);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var restore = await Run("restore", "latest", "--target", _temp["restore"]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        Assert.Equal(FileStatus.FifoType, Posix.LStat(_temp["restore"] + fifo).FileType);
    }

    /// <summary>Every entry of <paramref name="expected"/> but <paramref name="leftOut"/> is in <paramref name="actual"/> as it was, and nothing else is.</summary>
    private static void AssertSameTree(string expected, string actual, string leftOut)
    {
        var names = TestTree.Entries(expected).Where(e => e != leftOut).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, TestTree.Entries(actual).Order(StringComparer.Ordinal));
        var inodes = new Dictionary<ulong, ulong>();
        foreach (var name in names)
        {
            var a = Posix.LStat(Path.Combine(expected, name));
            var b = Posix.LStat(Path.Combine(actual, name));
            Assert.True(a.FileType == b.FileType, $"{name}: type {Convert.ToString(a.FileType, 8)} restored as {Convert.ToString(b.FileType, 8)}");
            Assert.True(a.Permissions == b.Permissions || a.IsSymlink, $"{name}: mode {a.Permissions} restored as {b.Permissions}");
            Assert.True((a.Uid, a.Gid) == (b.Uid, b.Gid), $"{name}: owner {a.Uid}:{a.Gid} restored as {b.Uid}:{b.Gid}");
            Assert.True(a.MtimeNanos == b.MtimeNanos, $"{name}: mtime {a.MtimeNanos} restored as {b.MtimeNanos}");
            Assert.True(a.SpecialDevice == b.SpecialDevice, $"{name}: device {a.SpecialDevice} restored as {b.SpecialDevice}");
            if (a.IsSymlink)
            {
                Assert.Equal(new FileInfo(Path.Combine(expected, name)).LinkTarget, new FileInfo(Path.Combine(actual, name)).LinkTarget);
            }
            if (a.IsRegularFile)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(expected, name)), File.ReadAllBytes(Path.Combine(actual, name)));
                // Entries that shared an inode share one again, and no others do.
                Assert.Equal(a.LinkCount, b.LinkCount);
                if (inodes.TryGetValue(a.Inode, out var partner))
                {
                    Assert.True(partner == b.Inode, $"{name}: its hard link was restored as a separate file");
                }
                inodes[a.Inode] = b.Inode;
            }
        }
    }
}
