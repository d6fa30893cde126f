using Lifeboat.Crypto;

namespace Lifeboat.Backup;

/// <summary>A file's content as stored: chunk IDs in order, its content hash (see TreeNode.ContentHash), its size.</summary>
internal sealed record FileContent(Digest[] Chunks, string ContentHash, long Size);
