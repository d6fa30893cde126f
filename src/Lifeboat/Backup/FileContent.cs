using Lifeboat.Crypto;

namespace Lifeboat.Backup;

/// <summary>A file's content as stored: chunk IDs in order, the SHA-256 of the bytes read, and their count.</summary>
internal sealed record FileContent(Digest[] Chunks, string Sha256, long Size);
