using Lifeboat.Crypto;
using Lifeboat.Storage;

namespace Lifeboat.Repository;

/// <summary>A complete pack, written but not yet committed: its name (SHA-256 of its bytes), writer, size and entries.</summary>
public sealed record FinishedPack(Digest Name, IBlobWriter Writer, long Length, IReadOnlyList<PackEntry> Entries);
