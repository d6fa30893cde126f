using System.Text;
using System.Text.Json;
using Lifeboat.Chunking;
using Lifeboat.Crypto;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Repository;

/// <summary>
/// An open repository: its store, master key and config, the chunk index once loaded, and the operations every
/// command shares (reading chunks, storing packs and indexes, reading and writing snapshots).
/// Thread-safe. Only the store is the source of truth: nothing here needs a local cache or database.
/// </summary>
public sealed class Repository
{
    private static readonly byte[] ConfigAad = Encoding.ASCII.GetBytes("lifeboat-config");
    private static readonly byte[] SnapshotAad = Encoding.ASCII.GetBytes("lifeboat-snapshot");
    private static readonly BlobName ConfigName = new(BlobKind.Config, "config");

    private readonly Lock _unindexedLock = new();
    private readonly List<IndexedPack> _unindexed = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<BlobName, byte> _loadedIndexFiles = new();
    private readonly List<string> _damagedIndexFiles = [];
    private volatile bool _indexLoaded;

    private Repository(IBlobStore store, MasterKey key, RepositoryConfig config, Digest keyName, bool appendOnly = false)
    {
        AppendOnly = appendOnly;
        Store = appendOnly ? new AppendOnlyBlobStore(store) : store;
        Key = key;
        Config = config;
        KeyName = keyName;
        Sealer = new ChunkSealer(key, config.CompressionLevel);
        Chunker = new ContentChunker(GearTable.FromSeed(Convert.FromBase64String(config.GearSeed)), config.Chunker);
    }

    /// <summary>Whether the key that opened the repository is append-only: then <see cref="Store"/> refuses deletes.</summary>
    public bool AppendOnly { get; }

    /// <summary>Where the objects live.</summary>
    public IBlobStore Store { get; }
    /// <summary>The master key.</summary>
    public MasterKey Key { get; }
    /// <summary>The config.</summary>
    public RepositoryConfig Config { get; }
    /// <summary>The key file that opened the repository.</summary>
    public Digest KeyName { get; }
    /// <summary>Seals and opens chunks.</summary>
    public ChunkSealer Sealer { get; private set; }
    /// <summary>Replaces the codec (tests use this to inject a faulty one).</summary>
    internal void UseCompressor(Compression.ICompressor compressor) => Sealer = new ChunkSealer(Key, Config.CompressionLevel, compressor);

    /// <summary>The content-defined chunker keyed to this repository.</summary>
    public ContentChunker Chunker { get; }
    /// <summary>The chunk index; empty until <see cref="LoadIndexAsync"/>.</summary>
    public ChunkIndex Index { get; } = new();

    /// <summary>
    /// Creates a repository: writes the first key file, then the config (the config is the commit point: a
    /// location without one is not a repository). Throws <see cref="RepositoryExistsException"/> if a config exists.
    /// </summary>
    public static async Task<Repository> InitAsync(IBlobStore store, string password, RepositoryConfig config,
        CancellationToken cancellationToken, int kdfIterations = KeyFile.MinimumIterations, MasterKey? key = null)
    {
        if (await ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryExistsException($"{store.Location} is already a Lifeboat repository");
        }
        config.Validate();
        key ??= MasterKey.Generate();
        var keyName = await PutContentAddressedAsync(store, BlobKind.Key, KeyFile.Create(key, password, kdfIterations).ToJson(), cancellationToken);
        var sealedConfig = key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(config, RepositoryJson.Default.RepositoryConfig), ConfigAad);
        await store.PutAsync(ConfigName, sealedConfig, cancellationToken);
        return new Repository(store, key, config, keyName);
    }

    /// <summary>Whether the store holds a repository config.</summary>
    public static async Task<bool> ExistsAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.GetSizeAsync(ConfigName, cancellationToken);
            return true;
        }
        catch (BlobNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens a repository with a password. Throws <see cref="RepositoryNotFoundException"/> when there is no config,
    /// <see cref="WrongPasswordException"/> when no key file opens, <see cref="CorruptObjectException"/> when the
    /// config is damaged.
    /// </summary>
    public static async Task<Repository> OpenAsync(IBlobStore store, string password, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryNotFoundException($"{store.Location} is not a Lifeboat repository (no config); create one with 'lifeboat init'");
        }
        var (key, keyName, appendOnly) = await UnlockAsync(store, password, cancellationToken);
        RepositoryConfig config;
        try
        {
            var plain = key.Box.Open(await store.GetAsync(ConfigName, cancellationToken), ConfigAad);
            config = JsonSerializer.Deserialize(plain, RepositoryJson.Default.RepositoryConfig)
                ?? throw new CorruptObjectException("repository config is empty");
        }
        catch (JsonException e)
        {
            throw new CorruptObjectException($"the repository config '{ConfigName}' in {store.Location} is not valid JSON: {e.Message}");
        }
        catch (CorruptObjectException e)
        {
            throw new CorruptObjectException($"the repository config '{ConfigName}' in {store.Location} is damaged: {e.Message}");
        }
        config.Validate();
        return new Repository(store, key, config, keyName, appendOnly);
    }

    private static async Task<(MasterKey, Digest, bool)> UnlockAsync(IBlobStore store, string password, CancellationToken cancellationToken)
    {
        var corrupt = new List<string>();
        var slots = new List<(BlobName Name, Digest KeyName, KeyFile File)>();
        await foreach (var info in store.ListAsync(BlobKind.Key, cancellationToken))
        {
            if (!Digest.TryParse(info.Name.Name, out var keyName))
            {
                continue;
            }
            try
            {
                var bytes = await store.GetAsync(info.Name, cancellationToken);
                if (Digest.Sha256(bytes) != keyName)
                {
                    throw new CorruptObjectException("its bytes do not match its name's hash");
                }
                slots.Add((info.Name, keyName, KeyFile.FromJson(bytes)));
            }
            catch (Exception e) when (e is CorruptObjectException or FormatException or ArgumentException)
            {
                corrupt.Add($"{info.Name.Name[..8]}: {e.Message}");
            }
        }
        // Slots opened by a random secret cost microseconds to try, password slots 0.3 s each: cheap ones first.
        foreach (var (name, keyName, keyFile) in slots.OrderBy(s => s.File.Kdf == KeyFile.RandomSecretKdf ? 0 : 1))
        {
            try
            {
                return (keyFile.Unwrap(password), keyName, keyFile.AppendOnly);
            }
            catch (WrongPasswordException)
            {
            }
            catch (Exception e) when (e is CorruptObjectException or FormatException or ArgumentException)
            {
                corrupt.Add($"{name.Name[..8]}: {e.Message}");
            }
        }
        var damaged = corrupt.Count == 0 ? "" : $" (damaged key files: {string.Join("; ", corrupt)})";
        throw new WrongPasswordException($"wrong password: no key of {store.Location} opens with it{damaged}");
    }

    /// <summary>Adds a key file for another password; returns its name.</summary>
    public Task<Digest> AddKeyAsync(string password, CancellationToken cancellationToken, int kdfIterations = KeyFile.MinimumIterations,
        bool appendOnly = false)
    {
        if (AppendOnly && !appendOnly)
        {
            throw new AppendOnlyException("an append-only key can only add append-only keys");
        }
        return PutContentAddressedAsync(Store, BlobKind.Key, KeyFile.Create(Key, password, kdfIterations, appendOnly).ToJson(), cancellationToken);
    }

    /// <summary>Adds a key slot opened by a random secret (<see cref="KeyFile.NewRandomSecret"/>); returns its name.</summary>
    public Task<Digest> AddRandomSecretKeyAsync(string secret, CancellationToken cancellationToken, bool appendOnly = false)
    {
        if (AppendOnly && !appendOnly)
        {
            throw new AppendOnlyException("an append-only key can only add append-only keys");
        }
        return PutContentAddressedAsync(Store, BlobKind.Key, KeyFile.CreateForRandomSecret(Key, secret, appendOnly).ToJson(), cancellationToken);
    }

    /// <summary>Every key file with its metadata.</summary>
    public async Task<List<(Digest Name, KeyFile File)>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var result = new List<(Digest, KeyFile)>();
        await foreach (var info in Store.ListAsync(BlobKind.Key, cancellationToken))
        {
            if (Digest.TryParse(info.Name.Name, out var name))
            {
                result.Add((name, KeyFile.FromJson(await GetVerifiedAsync(info.Name, cancellationToken))));
            }
        }
        return result;
    }

    /// <summary>
    /// Removes a key file. Refuses the key in use, so the caller cannot lock itself out (which also keeps the last key).
    /// </summary>
    public async Task RemoveKeyAsync(Digest name, CancellationToken cancellationToken)
    {
        if (name == KeyName)
        {
            throw new InvalidOperationException("refusing to remove the key this session was opened with; open with another password to remove it");
        }
        var keys = await ListKeysAsync(cancellationToken);
        if (keys.All(k => k.Name != name))
        {
            throw new InvalidOperationException($"no key {name.Short} in this repository");
        }
        await Store.DeleteAsync(new BlobName(BlobKind.Key, name.ToString()), cancellationToken);
    }

    /// <summary>
    /// Loads every index file not loaded yet into <see cref="Index"/>, so a second call picks up only what appeared since.
    /// A damaged index file is skipped and named in the result (and in <see cref="DamagedIndexFiles"/>): its chunks then
    /// look absent, so a backup stores them again and a restore reports only the files that need them. Callers must
    /// report the result.
    /// </summary>
    public async Task<IReadOnlyList<string>> LoadIndexAsync(CancellationToken cancellationToken)
    {
        var damaged = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var names = new List<BlobName>();
        await foreach (var info in Store.ListAsync(BlobKind.Index, cancellationToken))
        {
            if (_loadedIndexFiles.TryAdd(info.Name, 0))
            {
                names.Add(info.Name);
            }
        }
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (name, ct) =>
            {
                IndexFile file;
                try
                {
                    file = await ReadIndexFileAsync(name, ct);
                }
                catch (CorruptObjectException e)
                {
                    damaged.Enqueue($"{e.Message}; 'lifeboat repair index' rebuilds the index from the packs");
                    return;
                }
                catch
                {
                    // Not read (a store error, a cancellation): a later call must try it again.
                    _loadedIndexFiles.TryRemove(name, out _);
                    throw;
                }
                foreach (var pack in file.Packs)
                {
                    Index.AddPack(pack.Pack, pack.Entries);
                }
            });
        lock (_damagedIndexFiles)
        {
            _damagedIndexFiles.AddRange(damaged);
        }
        _indexLoaded = true;
        return [.. damaged];
    }

    /// <summary>Every damaged index file <see cref="LoadIndexAsync"/> met in this session, with why.</summary>
    public IReadOnlyList<string> DamagedIndexFiles
    {
        get
        {
            lock (_damagedIndexFiles)
            {
                return [.. _damagedIndexFiles];
            }
        }
    }

    /// <summary>Reads and verifies one index file.</summary>
    public async Task<IndexFile> ReadIndexFileAsync(BlobName name, CancellationToken cancellationToken)
    {
        var bytes = await GetVerifiedAsync(name, cancellationToken);
        try
        {
            return IndexFile.Open(bytes, Key.Box);
        }
        catch (CorruptObjectException e)
        {
            throw new CorruptObjectException($"index {name.Name[..8]}: {e.Message}");
        }
    }

    /// <summary>
    /// Stores a finished pack durably, then makes its chunks visible in <see cref="Index"/> and queues it for the
    /// next index file.
    /// </summary>
    public async Task StorePackAsync(FinishedPack pack, CancellationToken cancellationToken)
    {
        await using (pack.Writer)
        {
            try
            {
                await pack.Writer.CommitAsync(pack.Name.ToString(), cancellationToken);
            }
            catch (BlobExistsException)
            {
                // Same name means same bytes (the name is their SHA-256), so the pack is already stored.
            }
        }
        Index.AddPack(pack.Name, pack.Entries);
        lock (_unindexedLock)
        {
            _unindexed.Add(new IndexedPack(pack.Name, pack.Entries));
        }
    }

    /// <summary>Writes one index file for every pack stored since the last flush; returns bytes written.</summary>
    public async Task<long> FlushIndexAsync(CancellationToken cancellationToken)
    {
        IndexedPack[] packs;
        lock (_unindexedLock)
        {
            packs = [.. _unindexed];
            _unindexed.Clear();
        }
        if (packs.Length == 0)
        {
            return 0;
        }
        var bytes = new IndexFile([], packs).Seal(Key.Box);
        try
        {
            await PutContentAddressedAsync(Store, BlobKind.Index, bytes, cancellationToken);
        }
        catch
        {
            // Still unindexed on storage: keep them queued, so a later flush in this process writes them.
            lock (_unindexedLock)
            {
                _unindexed.InsertRange(0, packs);
            }
            throw;
        }
        return bytes.Length;
    }

    /// <summary>Reads, opens and verifies one chunk into a new array.</summary>
    public async Task<byte[]> ReadChunkAsync(Digest id, CancellationToken cancellationToken)
    {
        if (!Index.TryGet(id, out var location))
        {
            throw new CorruptObjectException($"chunk {id.Short} is not in the index (missing data)");
        }
        var stored = new byte[location.Entry.StoredLength];
        await Store.ReadAtAsync(new BlobName(BlobKind.Pack, location.Pack.ToString()), location.Entry.Offset, stored, cancellationToken);
        var plain = new byte[location.Entry.RawLength];
        Sealer.Open(location.Entry, stored, plain);
        return plain;
    }

    /// <summary>Writes a snapshot (the commit point of a backup); returns its ID.</summary>
    public Task<Digest> SaveSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        // What every reader would report as damaged is never written: the check that reading applies, applied first.
        try
        {
            snapshot.Validated();
        }
        catch (CorruptObjectException e)
        {
            throw new ArgumentException($"refusing to save a snapshot that would read as damaged: {e.Message}", nameof(snapshot), e);
        }
        return PutContentAddressedAsync(Store, BlobKind.Snapshot,
            Key.Box.Seal(JsonSerializer.SerializeToUtf8Bytes(snapshot, RepositoryJson.Default.Snapshot), SnapshotAad), cancellationToken);
    }

    /// <summary>
    /// Reads one snapshot and validates its fields (format §9); throws <see cref="CorruptObjectException"/> naming the
    /// snapshot when it is missing, damaged or invalid.
    /// </summary>
    public async Task<Snapshot> LoadSnapshotAsync(Digest id, CancellationToken cancellationToken)
    {
        var name = new BlobName(BlobKind.Snapshot, id.ToString());
        try
        {
            var plain = Key.Box.Open(await GetVerifiedAsync(name, cancellationToken), SnapshotAad);
            var snapshot = JsonSerializer.Deserialize(plain, RepositoryJson.Default.Snapshot)
                ?? throw new CorruptObjectException("snapshot is empty");
            return snapshot.Version == 1
                ? snapshot.Validated()
                : throw new CorruptObjectException($"snapshot format version {snapshot.Version} is not supported (this Lifeboat reads version 1)");
        }
        catch (Exception e) when (e is JsonException or CorruptObjectException)
        {
            throw new CorruptObjectException($"snapshot {id.Short}: {e.Message}");
        }
    }

    /// <summary>
    /// Every snapshot (with an ID starting with <paramref name="idPrefix"/>), oldest first. Throws
    /// <see cref="DamagedSnapshotException"/> if any of them cannot be read: a caller that acts on the whole list
    /// (copy, retention, reports) must not act on part of it by accident. A caller that can go on with the readable
    /// snapshots uses <see cref="ListSnapshotsAsync"/> and reports the damaged ones itself.
    /// </summary>
    public async Task<List<(Digest Id, Snapshot Snapshot)>> LoadSnapshotsAsync(CancellationToken cancellationToken, string idPrefix = "")
    {
        var listing = await ListSnapshotsAsync(cancellationToken, idPrefix);
        listing.ThrowIfDamaged();
        return [.. listing.Readable];
    }

    /// <summary>
    /// Every snapshot (with an ID starting with <paramref name="idPrefix"/>), split into the readable ones, oldest first,
    /// and the damaged ones, which the caller must report. When the index has been loaded, index files written since
    /// are loaded too: a backup writes its index before its snapshot, so every snapshot listed here then has its
    /// chunks in <see cref="Index"/>, even while a backup runs beside this process.
    /// </summary>
    public async Task<SnapshotListing> ListSnapshotsAsync(CancellationToken cancellationToken, string idPrefix = "")
    {
        var ids = new List<Digest>();
        await foreach (var info in Store.ListAsync(BlobKind.Snapshot, cancellationToken))
        {
            // A file that is not named like a snapshot was not written by Lifeboat; it is not a snapshot.
            if (Digest.TryParse(info.Name.Name, out var id) && info.Name.Name.StartsWith(idPrefix, StringComparison.Ordinal))
            {
                ids.Add(id);
            }
        }
        if (_indexLoaded)
        {
            await LoadIndexAsync(cancellationToken);
        }
        var loaded = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return (id, await LoadSnapshotAsync(id, cancellationToken), (DamagedSnapshot?)null);
            }
            catch (CorruptObjectException e)
            {
                return (id, (Snapshot?)null, new DamagedSnapshot(id, e.Message));
            }
            catch (BlobNotFoundException)
            {
                // Removed (by forget) since the listing: gone, not damaged.
                return (id, null, null);
            }
        }));
        return new SnapshotListing(
            [.. loaded.Where(s => s.Item2 is not null).Select(s => (s.id, s.Item2!)).OrderBy(s => s.Item2.Time).ThenBy(s => s.id.ToString())],
            [.. loaded.Select(s => s.Item3).OfType<DamagedSnapshot>().OrderBy(d => d.Id.ToString())]);
    }

    /// <summary>Reads an object whose name is the SHA-256 of its bytes and checks that it is.</summary>
    public async Task<byte[]> GetVerifiedAsync(BlobName name, CancellationToken cancellationToken)
    {
        var bytes = await Store.GetAsync(name, cancellationToken);
        if (Digest.Sha256(bytes) != ParseName(name))
        {
            throw new CorruptObjectException($"{name} does not match its name's hash (damaged or truncated)");
        }
        return bytes;
    }

    /// <summary>Parses an object name that must be a 64-character hex hash.</summary>
    public static Digest ParseName(BlobName name)
    {
        try
        {
            return Digest.Parse(name.Name);
        }
        catch (FormatException)
        {
            throw new CorruptObjectException($"{name} is not a valid object name");
        }
    }

    /// <summary>Stores bytes under the SHA-256 of themselves; an existing object of that name counts as stored.</summary>
    internal static async Task<Digest> PutContentAddressedAsync(IBlobStore store, BlobKind kind, byte[] bytes, CancellationToken cancellationToken)
    {
        var id = Digest.Sha256(bytes);
        try
        {
            await store.PutAsync(new BlobName(kind, id.ToString()), bytes, cancellationToken);
        }
        catch (BlobExistsException)
        {
            // Content-addressed: an existing object with this name holds these very bytes.
        }
        return id;
    }
}
