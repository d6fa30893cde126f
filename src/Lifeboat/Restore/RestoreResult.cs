namespace Lifeboat.Restore;

/// <summary>What a restore did: counts and every file that could not be restored, with the reason.</summary>
public sealed record RestoreResult(long Files, long Directories, long Bytes, IReadOnlyList<RestoreError> Errors)
{
    /// <summary>Whether everything was restored and verified.</summary>
    public bool Complete => Errors.Count == 0;
}

/// <summary>A path that was not restored, and why.</summary>
public sealed record RestoreError(string Path, string Reason);
