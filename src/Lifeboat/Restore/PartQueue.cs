namespace Lifeboat.Restore;

/// <summary>
/// Hands out the parts of a restore's files so that workers seldom write the same file at once: each worker keeps to
/// a file of its own, in the order given, until none is left unstarted; then it helps with the file that has the most
/// parts left, from its end. Two writers of one file would serialise on its inode lock, and the kernel spins on that
/// lock rather than sleeping. Thread-safe.
/// </summary>
internal sealed class PartQueue
{
    private readonly Lock _lock = new();
    private readonly List<List<FilePart>> _files;
    private readonly int[] _first; // index of each file's first part not yet taken
    private readonly int[] _last;  // one past its last part not yet taken
    private int _nextFile;

    /// <summary>A queue of <paramref name="files"/>, each given as its parts in file order.</summary>
    public PartQueue(List<List<FilePart>> files)
    {
        _files = files;
        _first = new int[files.Count];
        _last = [.. files.Select(f => f.Count)];
    }

    /// <summary>
    /// The next part for a worker that last worked on file number <paramref name="file"/> (-1 at first), taking from
    /// its start or, when helping, from its end (<paramref name="fromEnd"/>); both are updated. False when every part
    /// has been taken.
    /// </summary>
    public bool TryTake(ref int file, ref bool fromEnd, out FilePart part)
    {
        lock (_lock)
        {
            if (file < 0 || _first[file] == _last[file])
            {
                (file, fromEnd) = _nextFile < _files.Count ? (_nextFile++, false) : (MostLeft(), true);
                if (file < 0)
                {
                    part = default;
                    return false;
                }
            }
            part = fromEnd ? _files[file][--_last[file]] : _files[file][_first[file]++];
            return true;
        }
    }

    private int MostLeft()
    {
        var best = -1;
        for (var f = 0; f < _files.Count; f++)
        {
            if (_last[f] - _first[f] > (best < 0 ? 0 : _last[best] - _first[best]))
            {
                best = f;
            }
        }
        return best;
    }
}
