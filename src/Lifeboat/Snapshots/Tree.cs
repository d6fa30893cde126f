using System.Text.Json;
using System.Text.Json.Serialization;
using Lifeboat.Crypto;

namespace Lifeboat.Snapshots;

/// <summary>
/// One directory's listing, nodes sorted by name (ordinal), stored as a chunk of type tree holding UTF-8 JSON.
/// Identical directories serialize identically and so deduplicate.
/// </summary>
public sealed record Tree
{
    /// <summary>The entries, sorted by name.</summary>
    [JsonPropertyName("nodes")] public IReadOnlyList<TreeNode> Nodes { get; init; } = [];

    /// <summary>Serializes to UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Lifeboat.Repository.RepositoryJson.Default.Tree);

    /// <summary>Parses; throws <see cref="CorruptObjectException"/> on malformed input or unsafe names.</summary>
    public static Tree FromJson(ReadOnlySpan<byte> json)
    {
        Tree tree;
        try
        {
            tree = JsonSerializer.Deserialize(json, Lifeboat.Repository.RepositoryJson.Default.Tree)
                ?? throw new CorruptObjectException("tree is empty");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"tree is not valid JSON: {e.Message}");
        }
        if (tree.Nodes is null || tree.Nodes.Any(n => n is null))
        {
            throw new CorruptObjectException("tree has a missing node list or a null node");
        }
        string? previous = null;
        foreach (var node in tree.Nodes)
        {
            if (node.Name is null || node.Type is null || node.Size < 0)
            {
                throw new CorruptObjectException("tree entry lacks a name or type, or has a negative size");
            }
            // A tampered tree must never make restore write outside its target, or write one path twice.
            if (node.Name is "" or "." or ".." || node.Name.Contains('/') || node.Name.Contains('\0'))
            {
                throw new CorruptObjectException($"tree holds an unsafe name '{node.Name}'");
            }
            if (previous is not null && string.CompareOrdinal(previous, node.Name) >= 0)
            {
                throw new CorruptObjectException($"tree entries are not sorted and unique at '{node.Name}'");
            }
            if (!TreeNode.IsKnownType(node.Type))
            {
                throw new CorruptObjectException($"tree entry '{node.Name}' has unknown type '{node.Type}'");
            }
            previous = node.Name;
        }
        return tree;
    }
}
