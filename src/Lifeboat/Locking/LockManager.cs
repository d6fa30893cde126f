using System.Text;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Storage;

namespace Lifeboat.Locking;

/// <summary>
/// Repository locks: shared for operations that only add or read (backup, restore, check), exclusive for those that
/// delete or rewrite (prune, forget, key and index changes). A lock is refreshed every <see cref="RefreshInterval"/>;
/// one not refreshed for <see cref="StaleAfter"/> is stale, and so is one from this host whose process is gone.
/// Stale locks are ignored when acquiring and removed by <c>unlock</c>.
/// </summary>
public sealed class LockManager(Repository.Repository repository, TimeProvider clock)
{
    private static readonly byte[] Aad = Encoding.ASCII.GetBytes("lifeboat-lock");

    // This process's start time, written into its locks; read once, it does not change.
    private static readonly long? OwnStart = ProcessIdentity.StartTimeOf(Environment.ProcessId);

    /// <summary>How often a held lock is rewritten.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>How long after its last refresh a lock from another host counts as abandoned.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Takes a lock; throws <see cref="RepositoryLockedException"/> naming the holder when a live lock conflicts.
    /// After writing its own lock it looks again, so two processes that raced both see each other and the later
    /// conflicting one backs off.
    /// </summary>
    public async Task<RepositoryLock> AcquireAsync(bool exclusive, string operation, CancellationToken cancellationToken)
    {
        ThrowOnConflict(await ListLiveAsync(cancellationToken), exclusive, except: null);
        var info = NewInfo(exclusive, operation);
        var name = await WriteAsync(info, cancellationToken);
        try
        {
            ThrowOnConflict(await ListLiveAsync(cancellationToken), exclusive, except: name);
        }
        catch
        {
            await repository.Store.DeleteAsync(new BlobName(BlobKind.Lock, name.ToString()), CancellationToken.None);
            throw;
        }
        return new RepositoryLock(this, name, info, clock);
    }

    /// <summary>Every lock with its state.</summary>
    public async Task<List<(Digest Name, LockInfo? Info, bool Stale)>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<(Digest, LockInfo?, bool)>();
        await foreach (var blob in repository.Store.ListAsync(BlobKind.Lock, cancellationToken))
        {
            if (!Digest.TryParse(blob.Name.Name, out var name))
            {
                continue;
            }
            LockInfo? info;
            try
            {
                info = Read(await repository.GetVerifiedAsync(blob.Name, cancellationToken));
            }
            catch (BlobNotFoundException)
            {
                continue; // released between the listing and the read
            }
            catch (CorruptObjectException)
            {
                info = null; // an unreadable lock protects nothing: treated as stale
            }
            result.Add((name, info, info is null || IsStale(info)));
        }
        return result;
    }

    /// <summary>Removes stale locks, or every lock with <paramref name="all"/>; returns how many were removed.</summary>
    public async Task<int> RemoveAsync(bool all, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (name, _, stale) in await ListAsync(cancellationToken))
        {
            if (all || stale)
            {
                await repository.Store.DeleteAsync(new BlobName(BlobKind.Lock, name.ToString()), cancellationToken);
                removed++;
            }
        }
        return removed;
    }

    internal async Task<Digest> WriteAsync(LockInfo info, CancellationToken cancellationToken)
    {
        var bytes = repository.Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(info, RepositoryJson.Default.LockInfo), Aad);
        var name = Digest.Sha256(bytes);
        await repository.Store.PutAsync(new BlobName(BlobKind.Lock, name.ToString()), bytes, cancellationToken);
        return name;
    }

    internal async Task<bool> ExistsAsync(Digest name, CancellationToken cancellationToken)
    {
        try
        {
            await repository.Store.GetSizeAsync(new BlobName(BlobKind.Lock, name.ToString()), cancellationToken);
            return true;
        }
        catch (BlobNotFoundException)
        {
            return false;
        }
    }

    internal Task DeleteAsync(Digest name, CancellationToken cancellationToken) =>
        repository.Store.DeleteAsync(new BlobName(BlobKind.Lock, name.ToString()), cancellationToken);

    internal LockInfo NewInfo(bool exclusive, string operation) => new()
    {
        Time = clock.GetUtcNow(),
        Exclusive = exclusive,
        Host = Environment.MachineName,
        ProcessId = Environment.ProcessId,
        ProcessStart = OwnStart,
        Username = Environment.UserName,
        Operation = operation,
    };

    private async Task<List<(Digest Name, LockInfo Info)>> ListLiveAsync(CancellationToken cancellationToken) =>
        [.. (await ListAsync(cancellationToken)).Where(l => !l.Stale).Select(l => (l.Name, l.Info!))];

    private static void ThrowOnConflict(List<(Digest Name, LockInfo Info)> live, bool exclusive, Digest? except)
    {
        foreach (var (name, info) in live)
        {
            if (name != except && (exclusive || info.Exclusive))
            {
                var how = info.Exclusive ? "exclusively locked" : "locked";
                throw new RepositoryLockedException(
                    $"the repository is {how} by {info.Operation} (pid {info.ProcessId} on {info.Host}, user {info.Username}, " +
                    $"since {info.Time:yyyy-MM-dd HH:mm:ss} UTC); wait for it to finish, or run 'lifeboat unlock' if it died");
            }
        }
    }

    private LockInfo Read(byte[] sealedBytes)
    {
        try
        {
            return JsonSerializer.Deserialize(repository.Key.Box.Open(sealedBytes, Aad), RepositoryJson.Default.LockInfo)
                ?? throw new CorruptObjectException("lock is empty");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"lock is not valid JSON: {e.Message}");
        }
    }

    private bool IsStale(LockInfo info)
    {
        if (clock.GetUtcNow() - info.Time > StaleAfter)
        {
            return true;
        }
        // A lock from this host whose process is gone was left by a crash: stale at once. The PID alone is not enough:
        // after a crash it is soon reused, and a dead prune's lock would then look live for as long as the new process
        // runs. A lock this process wrote itself (an old refresh) counts as live.
        if (info.Host != Environment.MachineName
            || (info.ProcessId == Environment.ProcessId && (info.ProcessStart is null || info.ProcessStart == OwnStart)))
        {
            return false;
        }
        return !ProcessIdentity.IsAlive(info.ProcessId, info.ProcessStart);
    }
}
