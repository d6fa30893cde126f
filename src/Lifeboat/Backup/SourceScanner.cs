using Lifeboat.FileSystem;

namespace Lifeboat.Backup;

/// <summary>
/// Counts the files and bytes of a source ahead of the backup, only to give the progress display a total and an ETA.
/// Unreadable entries are skipped here: the backup itself reports them.
/// </summary>
public static class SourceScanner
{
    /// <summary>Walks the paths and records the totals in <paramref name="progress"/>.</summary>
    public static void Scan(IEnumerable<string> paths, ExcludeMatcher excludes, BackupProgress progress, CancellationToken cancellationToken)
    {
        long files = 0, bytes = 0;
        var pending = new Stack<string>(paths.Select(Path.GetFullPath));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = pending.Pop();
            try
            {
                var status = Posix.LStat(path);
                if (status.IsRegularFile)
                {
                    files++;
                    bytes += status.Size;
                }
                else if (status.IsDirectory)
                {
                    foreach (var child in Directory.EnumerateFileSystemEntries(path))
                    {
                        if (!excludes.IsExcluded(child, Path.GetFileName(child)))
                        {
                            pending.Push(child);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Counting only: the backup reports unreadable entries itself.
            }
        }
        progress.Scanned(files, bytes);
    }
}
