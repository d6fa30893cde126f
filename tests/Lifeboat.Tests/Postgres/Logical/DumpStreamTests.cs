using Lifeboat.Sources;
using Lifeboat.Sources.Postgres.Logical;

namespace Lifeboat.Tests.Postgres.Logical;

/// <summary>The stall watchdog and archive check on a child program's output.</summary>
public sealed class DumpStreamTests
{
    [Fact]
    public async Task A_program_that_leaves_a_read_waiting_past_the_limit_is_killed_and_the_stream_ends()
    {
        await using var child = ChildProcess.Start("sleep", ["60"]);
        using var stream = new DumpStream(child.Stdout, child.Id, TimeSpan.FromMilliseconds(300));

        var read = stream.Read(new byte[16]);

        Assert.Equal(0, read);
        Assert.True(stream.Stalled);
        Assert.NotEqual(0, await child.WaitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Output_is_counted_and_recognised_as_an_archive_only_by_its_magic()
    {
        await using var archive = ChildProcess.Start("printf", ["PGDMP-rest"]);
        await using var other = ChildProcess.Start("printf", ["PGDM"]);
        using var archiveStream = new DumpStream(archive.Stdout, archive.Id, TimeSpan.FromSeconds(30));
        using var otherStream = new DumpStream(other.Stdout, other.Id, TimeSpan.FromSeconds(30));

        await archiveStream.CopyToAsync(Stream.Null);
        await otherStream.CopyToAsync(Stream.Null);

        Assert.Equal((10, true, false), (archiveStream.BytesRead, archiveStream.HasArchiveMagic, archiveStream.Stalled));
        Assert.Equal((4, false), (otherStream.BytesRead, otherStream.HasArchiveMagic));
    }
}
