using System.Runtime.InteropServices;

namespace Lifeboat.FileSystem;

/// <summary>
/// <c>struct stat</c> exactly as glibc lays it out on Linux x86_64 (144 bytes); other architectures differ.
/// Only <see cref="Posix"/> fills it, straight from <c>lstat</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinuxStat
{
    public ulong Device;
    public ulong Inode;
    public ulong LinkCount;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public int Padding;
    public ulong SpecialDevice;
    public long Size;
    public long BlockSize;
    public long Blocks;
    public long AccessSeconds;
    public long AccessNanoseconds;
    public long ModifySeconds;
    public long ModifyNanoseconds;
    public long ChangeSeconds;
    public long ChangeNanoseconds;
    public long Reserved0;
    public long Reserved1;
    public long Reserved2;
}
