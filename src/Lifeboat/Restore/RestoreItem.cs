using Lifeboat.Snapshots;

namespace Lifeboat.Restore;

/// <summary>One entry to restore: where it goes and what the snapshot says about it.</summary>
internal sealed record RestoreItem(string SnapshotPath, string TargetPath, TreeNode Node);
