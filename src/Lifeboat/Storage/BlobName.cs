namespace Lifeboat.Storage;

/// <summary>A stored object's address: its kind and its name (lower-case hex for content-addressed objects).</summary>
public readonly record struct BlobName(BlobKind Kind, string Name)
{
    /// <summary>The relative path used by file-like stores: packs are fanned out by their first two characters.</summary>
    public string RelativePath => Kind switch
    {
        BlobKind.Config => "config",
        BlobKind.Key => "keys/" + Name,
        BlobKind.Pack => "data/" + Name[..2] + "/" + Name,
        BlobKind.Index => "index/" + Name,
        BlobKind.Snapshot => "snapshots/" + Name,
        BlobKind.Lock => "locks/" + Name,
        BlobKind.Run => "runs/" + Name,
        BlobKind.Wal => "wal/" + Name,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    /// <summary>The folder holding every object of a kind, relative to the repository root.</summary>
    public static string FolderOf(BlobKind kind) => kind switch
    {
        BlobKind.Key => "keys",
        BlobKind.Pack => "data",
        BlobKind.Index => "index",
        BlobKind.Snapshot => "snapshots",
        BlobKind.Lock => "locks",
        BlobKind.Run => "runs",
        BlobKind.Wal => "wal",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <inheritdoc />
    public override string ToString() => RelativePath;
}
