using Lifeboat.Restore;
using Lifeboat.Snapshots;

namespace Lifeboat.Tests.Restore;

public sealed class PartQueueTests
{
    private static List<FilePart> File(string name, int parts)
    {
        var file = new RestoringFile(new RestoreItem("/" + name, "/nowhere/" + name, new TreeNode { Name = name, Type = TreeNode.File }), [], parts);
        return [.. Enumerable.Range(0, parts).Select(p => new FilePart(file, p, p + 1, p))];
    }

    [Fact]
    public void Each_worker_keeps_to_a_file_of_its_own_until_none_is_left_then_helps_the_largest_from_its_end()
    {
        var a = File("a", 3);
        var b = File("b", 1);
        var c = File("c", 2);
        var queue = new PartQueue([a, b, c]);
        var (first, firstFromEnd) = (-1, false);
        var (second, secondFromEnd) = (-1, false);

        FilePart Take(ref int file, ref bool fromEnd)
        {
            Assert.True(queue.TryTake(ref file, ref fromEnd, out var part));
            return part;
        }

        Assert.Equal(a[0], Take(ref first, ref firstFromEnd));
        Assert.Equal(b[0], Take(ref second, ref secondFromEnd));
        Assert.Equal(c[0], Take(ref second, ref secondFromEnd));
        Assert.Equal(a[1], Take(ref first, ref firstFromEnd));
        Assert.Equal(c[1], Take(ref second, ref secondFromEnd));
        Assert.Equal(a[2], Take(ref second, ref secondFromEnd)); // helps a, from its end
        Assert.False(queue.TryTake(ref first, ref firstFromEnd, out _));
        Assert.False(queue.TryTake(ref second, ref secondFromEnd, out _));
    }

    [Fact]
    public async Task Concurrent_workers_take_every_part_exactly_once()
    {
        var files = Enumerable.Range(0, 50).Select(i => File("f" + i, 1 + i % 7)).ToList();
        var queue = new PartQueue(files);
        var taken = new System.Collections.Concurrent.ConcurrentBag<FilePart>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var (file, fromEnd) = (-1, false);
            while (queue.TryTake(ref file, ref fromEnd, out var part))
            {
                taken.Add(part);
            }
        })));

        Assert.Equal(files.Sum(f => f.Count), taken.Count);
        Assert.Equal(files.SelectMany(f => f).ToHashSet(), taken.ToHashSet());
    }
}
