namespace Lifeboat.Repository;

/// <summary>What a chunk holds.</summary>
public enum ChunkType : byte
{
    /// <summary>A piece of file or stream content.</summary>
    Data = 0,
    /// <summary>A serialized tree (one directory's listing).</summary>
    Tree = 1,
}
