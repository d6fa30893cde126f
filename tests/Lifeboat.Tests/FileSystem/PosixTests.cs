using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Lifeboat.FileSystem;

namespace Lifeboat.Tests.FileSystem;

[SupportedOSPlatform("linux")]
public sealed class PosixTests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(
        Path.Combine(Path.GetTempPath(), "lifeboat-posix-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_interop_struct_has_the_x86_64_stat_size()
    {
        Assert.Equal(144, Unsafe.SizeOf<LinuxStat>());
    }

    [Fact]
    public void LStat_of_a_file_reports_its_size_type_and_owner()
    {
        string path = WriteFile("data.bin", 12_345);

        FileStatus status = Posix.LStat(path);

        Assert.Equal(12_345, status.Size);
        Assert.True(status.IsRegularFile);
        Assert.False(status.IsDirectory);
        Assert.False(status.IsSymlink);
        Assert.Equal(1UL, status.LinkCount);
        Assert.Equal(Posix.CurrentUid, status.Uid);
    }

    [Fact]
    public void LStat_of_a_directory_reports_a_directory()
    {
        FileStatus status = Posix.LStat(_root);

        Assert.True(status.IsDirectory);
        Assert.False(status.IsRegularFile);
    }

    [Fact]
    public void Two_hard_links_share_an_inode_and_report_a_link_count_of_two()
    {
        string original = WriteFile("original", 10);
        string second = Path.Combine(_root, "second");

        Posix.Link(original, second);
        FileStatus first = Posix.LStat(original);
        FileStatus other = Posix.LStat(second);

        Assert.Equal(first.Inode, other.Inode);
        Assert.Equal(first.Device, other.Device);
        Assert.Equal(2UL, first.LinkCount);
        Assert.Equal(2UL, other.LinkCount);
    }

    [Fact]
    public void Linking_onto_an_existing_path_throws_IOException()
    {
        string original = WriteFile("original", 10);
        string taken = WriteFile("taken", 10);

        var error = Assert.Throws<IOException>(() => Posix.Link(original, taken));
        Assert.Contains(taken, error.Message);
    }

    [Fact]
    public void LStat_reports_a_symlink_as_a_symlink_without_following_it()
    {
        string target = WriteFile("target", 5_000);
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, target);

        FileStatus status = Posix.LStat(link);

        Assert.True(status.IsSymlink);
        Assert.False(status.IsRegularFile);
        Assert.Equal(target.Length, status.Size);
        Assert.NotEqual(Posix.LStat(target).Inode, status.Inode);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit | UnixFileMode.UserRead
        | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)]
    public void Permissions_match_File_GetUnixFileMode(UnixFileMode mode)
    {
        string path = WriteFile("mode", 1);

        Posix.Chmod(path, mode);

        Assert.Equal(mode, Posix.LStat(path).Permissions);
        Assert.Equal(File.GetUnixFileMode(path), Posix.LStat(path).Permissions);
    }

    [Theory]
    [InlineData(1_700_000_000_123_456_789L)]
    [InlineData(1L)]
    [InlineData(-1_500_000_001L)]
    public void SetTimes_then_LStat_returns_the_same_mtime_to_the_nanosecond(long mtimeNanos)
    {
        string path = WriteFile("times", 1);

        Posix.SetTimes(path, mtimeNanos, followSymlink: true);

        Assert.Equal(mtimeNanos, Posix.LStat(path).MtimeNanos);
        Assert.Equal(File.GetLastWriteTimeUtc(path), File.GetLastAccessTimeUtc(path));
    }

    [Fact]
    public void SetTimes_without_following_changes_the_symlink_and_not_its_target()
    {
        string target = WriteFile("target", 1);
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, target);
        const long targetTime = 1_600_000_000_000_000_001L;
        const long linkTime = 1_650_000_000_987_654_321L;
        Posix.SetTimes(target, targetTime, followSymlink: true);

        Posix.SetTimes(link, linkTime, followSymlink: false);

        Assert.Equal(linkTime, Posix.LStat(link).MtimeNanos);
        Assert.Equal(targetTime, Posix.LStat(target).MtimeNanos);
    }

    [Fact]
    public void SetTimes_following_a_symlink_changes_its_target()
    {
        string target = WriteFile("target", 1);
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, target);
        long linkTimeBefore = Posix.LStat(link).MtimeNanos;
        const long time = 1_234_567_890_000_000_042L;

        Posix.SetTimes(link, time, followSymlink: true);

        Assert.Equal(time, Posix.LStat(target).MtimeNanos);
        Assert.Equal(linkTimeBefore, Posix.LStat(link).MtimeNanos);
    }

    [Fact]
    public void LChown_to_uid_1234_and_gid_5678_reads_back_and_leaves_a_symlink_target_alone()
    {
        Assert.True(Posix.CurrentUid == 0, "Changing owners needs root, which these tests run as.");
        string target = WriteFile("owned", 1);
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, target);

        Posix.LChown(target, 1234, 5678);
        Posix.LChown(link, 4321, 8765);

        FileStatus targetStatus = Posix.LStat(target);
        FileStatus linkStatus = Posix.LStat(link);
        Assert.Equal((1234u, 5678u), (targetStatus.Uid, targetStatus.Gid));
        Assert.Equal((4321u, 8765u), (linkStatus.Uid, linkStatus.Gid));
    }

    [Fact]
    public void A_missing_path_throws_FileNotFoundException_naming_the_path()
    {
        string missing = Path.Combine(_root, "missing", "file");

        var error = Assert.Throws<FileNotFoundException>(() => Posix.LStat(missing));

        Assert.Equal(missing, error.FileName);
        Assert.Contains(missing, error.Message);
        Assert.Contains("No such file or directory", error.Message);
        Assert.Throws<FileNotFoundException>(() => Posix.SetTimes(missing, 0, followSymlink: false));
        Assert.Throws<FileNotFoundException>(() => Posix.LChown(missing, 0, 0));
    }

    [Fact]
    public void A_path_with_a_NUL_character_is_rejected_before_reaching_the_kernel()
    {
        string path = WriteFile("real", 1);

        Assert.Throws<ArgumentException>(() => Posix.LStat(path + "\0ignored"));
        Assert.Throws<ArgumentException>(() => Posix.LStat(string.Empty));
    }

    private string WriteFile(string name, int length)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllBytes(path, new byte[length]);
        return path;
    }
}
