using Lifeboat.FileSystem;

namespace Lifeboat.Tests.FileSystem;

public sealed class FileStatusTests
{
    [Theory]
    [InlineData(0x41ED, true, false, false)] // octal 040755
    [InlineData(0x81A4, false, true, false)] // octal 0100644
    [InlineData(0xA1FF, false, false, true)] // octal 0120777
    [InlineData(0x11A4, false, false, false)] // octal 010644, a FIFO
    public void The_type_helpers_read_only_the_file_type_bits(uint mode, bool directory, bool regularFile, bool symlink)
    {
        var status = new FileStatus(0, 0, 1, mode, 0, 0, 0, 0, 0);

        Assert.Equal(directory, status.IsDirectory);
        Assert.Equal(regularFile, status.IsRegularFile);
        Assert.Equal(symlink, status.IsSymlink);
    }

    [Fact]
    public void Permissions_keep_the_special_bits_and_drop_the_file_type()
    {
        // Octal 0104755: a set-user-ID regular file.
        var status = new FileStatus(0, 0, 1, 0x89ED, 0, 0, 0, 0, 0);

        Assert.Equal(
            UnixFileMode.SetUser | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            status.Permissions);
    }
}
