using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lifeboat.Storage;

public sealed partial class LocalBlobStore
{
    /// <inheritdoc />
    /// <remarks>The temporary files (<c>.tmp-*</c>) in the root, in every kind's folder and in the fan-out folders of <c>data</c>.</remarks>
    public async IAsyncEnumerable<PartialObject> ListPartialAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Directory enumeration blocks; do it off the caller's thread.
        await Task.Yield();
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"blob store root {root} does not exist");
        }
        var folders = new List<string> { "" };
        foreach (var kind in FolderKinds)
        {
            folders.Add(BlobName.FolderOf(kind));
        }
        using (var fanOuts = OpenOrNull(() => ListFanOutFolders(Path.Combine(root, BlobName.FolderOf(BlobKind.Pack)))))
        {
            while (fanOuts?.MoveNext() == true)
            {
                folders.Add(BlobName.FolderOf(BlobKind.Pack) + "/" + fanOuts.Current);
            }
        }
        foreach (var folder in folders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<PartialObject> found;
            try
            {
                using var files = OpenOrNull(() => ListTemporaryFiles(folder));
                found = [];
                while (files?.MoveNext() == true)
                {
                    found.Add(files.Current);
                }
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException($"cannot list the partial objects in {Path.Combine(root, folder)}: {e.Message}", e);
            }
            foreach (var partial in found)
            {
                yield return partial;
            }
        }
    }

    /// <inheritdoc />
    public Task<bool> DeletePartialAsync(PartialObject partial, DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var folder = Path.GetDirectoryName(partial.Path) ?? "";
        var name = Path.GetFileName(partial.Path);
        var allowed = folder.Length == 0 || FolderKinds.Any(k => folder == BlobName.FolderOf(k))
            || (folder.StartsWith(BlobName.FolderOf(BlobKind.Pack) + "/", StringComparison.Ordinal) && folder.Length == 7);
        if (!allowed || !name.StartsWith(TempPrefix, StringComparison.Ordinal) || name.Contains('\0'))
        {
            throw new ArgumentException($"{partial.Path} is not a partial object of this store", nameof(partial));
        }
        var path = Path.Combine(root, partial.Path);
        // Looked at again: a writer that came back to the file since the listing keeps it.
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Task.FromResult(true);
        }
        if (info.LastWriteTimeUtc >= writtenBefore.UtcDateTime)
        {
            return Task.FromResult(false);
        }
        if (Unlink(path) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT
                ? Task.FromResult(true)
                : throw new IOException($"cannot delete {partial.Path} in {root}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        return Task.FromResult(true);
    }

    private IEnumerable<PartialObject> ListTemporaryFiles(string folder) =>
        new System.IO.Enumeration.FileSystemEnumerable<PartialObject>(
            Path.Combine(root, folder),
            (ref System.IO.Enumeration.FileSystemEntry e) => new PartialObject(
                folder.Length == 0 ? e.FileName.ToString() : folder + "/" + e.FileName.ToString(), e.Length, e.LastWriteTimeUtc),
            StrictEnumeration)
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) =>
                !e.IsDirectory && e.FileName.StartsWith(TempPrefix, StringComparison.Ordinal),
        };
}
