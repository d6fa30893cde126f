namespace Lifeboat.Restore;

/// <summary>
/// A run of a file's chunks, <see cref="Start"/> to <see cref="End"/> (exclusive), whose plaintext begins at byte
/// <see cref="Offset"/> of the file: the unit a restore worker takes, so several workers can share one large file.
/// </summary>
internal readonly record struct FilePart(RestoringFile File, int Start, int End, long Offset);
