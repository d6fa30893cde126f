using System.Diagnostics;
using Lifeboat.FileSystem;
using Lifeboat.Testing;

namespace Lifeboat.Tests.FileSystem;

public sealed class OpenSameFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_scanned_file_opens()
    {
        var path = TestData.Write(_temp["f"], [1, 2, 3]);
        using var handle = Posix.OpenSameFile(path, Posix.LStat(path));
        Assert.Equal(3, RandomAccess.GetLength(handle));
    }

    [Fact]
    public void A_file_replaced_after_the_scan_is_refused()
    {
        var path = TestData.Write(_temp["f"], [1, 2, 3]);
        var scanned = Posix.LStat(path);
        File.Move(path, _temp["old"]); // kept, so the new file cannot reuse its inode number
        TestData.Write(path, [9]);
        var error = Assert.Throws<IOException>(() => Posix.OpenSameFile(path, scanned));
        Assert.Contains("replaced", error.Message);
    }

    [Fact]
    public void A_symlink_put_in_the_place_of_a_scanned_file_is_not_followed()
    {
        var path = TestData.Write(_temp["f"], [1, 2, 3]);
        var scanned = Posix.LStat(path);
        File.Delete(path);
        File.CreateSymbolicLink(path, "/etc/passwd");
        Assert.Throws<IOException>(() => Posix.OpenSameFile(path, scanned));
    }

    [Fact]
    public void A_fifo_put_in_the_place_of_a_scanned_file_is_refused_at_once_instead_of_blocking()
    {
        var path = TestData.Write(_temp["f"], [1, 2, 3]);
        var scanned = Posix.LStat(path);
        File.Delete(path);
        Process.Start("mkfifo", [path])!.WaitForExit();
        var stopwatch = Stopwatch.StartNew();
        Assert.Throws<IOException>(() => Posix.OpenSameFile(path, scanned));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5));
    }
}
