namespace Lifeboat.Restore;

/// <summary>
/// What a restore did: counts and every path that could not be restored, with the reason (a file, a link, a special file,
/// or a directory whose listing could not be read, with everything below it).
/// </summary>
public sealed record RestoreResult(long Files, long Directories, long Bytes, IReadOnlyList<RestoreError> Errors)
{
    /// <summary>Files (and hard links to them) written and verified under their final names, of <see cref="Files"/>.</summary>
    public long FilesVerified { get; init; }

    /// <summary>Whether everything was restored and verified.</summary>
    public bool Complete => Errors.Count == 0;
}

/// <summary>A path that was not restored, and why.</summary>
public sealed record RestoreError(string Path, string Reason);
