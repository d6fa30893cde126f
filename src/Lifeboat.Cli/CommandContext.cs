using System.CommandLine;
using System.Text.Json;
using Lifeboat.Crypto;
using Lifeboat.Repository;
using Lifeboat.Snapshots;
using Lifeboat.Storage;

namespace Lifeboat.Cli;

/// <summary>What every command needs from the command line: the repository, the password, the output mode.</summary>
public sealed class CommandContext(ParseResult parse) : IAsyncDisposable
{
    private Locking.RepositoryLock? _lock;
    private Locking.RepositoryLock? _sourceLock;
    private CancellationTokenSource? _linked;

    private static readonly JsonSerializerOptions JsonOutput = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The parsed command line.</summary>
    public ParseResult Parse { get; } = parse;

    /// <summary>Whether to print JSON.</summary>
    public bool Json => Parse.GetValue(GlobalOptions.Json);

    /// <summary>Whether to show live progress: on a terminal, and not in JSON or quiet mode.</summary>
    public bool ShowProgress => !Json && !Parse.GetValue(GlobalOptions.Quiet) && !Console.IsErrorRedirected;

    /// <summary>The repository location from --repo or $LIFEBOAT_REPOSITORY.</summary>
    public string RepositoryLocation
    {
        get
        {
            var location = Parse.GetValue(GlobalOptions.Repo) ?? Environment.GetEnvironmentVariable("LIFEBOAT_REPOSITORY");
            if (string.IsNullOrWhiteSpace(location))
            {
                throw new UsageException("no repository given: pass --repo DIR (or an s3: URL) or set LIFEBOAT_REPOSITORY");
            }
            return location;
        }
    }

    /// <summary>The store at the repository location: an S3 bucket for an <c>s3:</c> URL, else a local directory.</summary>
    public IBlobStore OpenStore() => OpenStore(RepositoryLocation);

    /// <summary>The store at <paramref name="location"/> (see <see cref="Cli.RepositoryLocation"/>).</summary>
    public static IBlobStore OpenStore(string location) => Cli.RepositoryLocation.OpenStore(location);

    /// <summary>
    /// Opens a second repository (the source of a copy) with its own password, under a shared lock released with this
    /// context; its index is loaded.
    /// </summary>
    public async Task<Repository.Repository> OpenSourceRepositoryAsync(string location, string? passwordFile, CancellationToken cancellationToken)
    {
        var store = OpenStore(location);
        if (!await Repository.Repository.ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryNotFoundException($"{store.Location} is not a Lifeboat repository (no config)");
        }
        var repository = await Repository.Repository.OpenAsync(store, PasswordSource.ReadSource(passwordFile), cancellationToken);
        _sourceLock = await new Locking.LockManager(repository, TimeProvider.System).AcquireAsync(exclusive: false, "copy", cancellationToken);
        foreach (var warning in await repository.LoadIndexAsync(cancellationToken))
        {
            await Console.Error.WriteLineAsync($"lifeboat: warning: source: {warning}");
        }
        return repository;
    }

    /// <summary>
    /// Cancelled when the command is interrupted or the repository lock is lost; commands pass it on after
    /// <see cref="OpenRepositoryAsync"/>.
    /// </summary>
    public CancellationToken Token => _linked?.Token ?? CancellationToken.None;

    /// <summary>Opens the repository with the password, takes the lock <paramref name="locking"/> asks for, and optionally loads the index.</summary>
    public async Task<Repository.Repository> OpenRepositoryAsync(bool loadIndex, LockMode locking, CancellationToken cancellationToken)
    {
        // The index is read only once the lock is held: a prune holding the exclusive lock deletes index files, and a
        // listing taken before would name files that are gone by the time they are read.
        var repository = await OpenRepositoryAsync(loadIndex: locking == LockMode.None && loadIndex, cancellationToken);
        if (locking == LockMode.Exclusive && repository.AppendOnly)
        {
            throw new AppendOnlyException($"this password opens an append-only key, which can add backups but not run '{Parse.CommandResult.Command.Name}'; nothing was changed");
        }
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (locking != LockMode.None)
        {
            _lock = await new Locking.LockManager(repository, TimeProvider.System)
                .AcquireAsync(locking == LockMode.Exclusive, Parse.CommandResult.Command.Name, cancellationToken);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lock.Lost);
            if (loadIndex)
            {
                await LoadIndexAsync(repository, cancellationToken);
            }
        }
        return repository;
    }

    /// <summary>Confirms the lock taken by <see cref="OpenRepositoryAsync"/> is still held (before a commit).</summary>
    public Task EnsureLockHeldAsync(CancellationToken cancellationToken) =>
        _lock?.EnsureHeldAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Releases the lock, if one was taken.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }
        if (_sourceLock is not null)
        {
            await _sourceLock.DisposeAsync();
        }
        _linked?.Dispose();
    }

    private async Task<Repository.Repository> OpenRepositoryAsync(bool loadIndex, CancellationToken cancellationToken)
    {
        var store = OpenStore();
        // Checked before the password is read, so a wrong path is reported without prompting for a password first.
        if (!await Repository.Repository.ExistsAsync(store, cancellationToken))
        {
            throw new RepositoryNotFoundException($"{store.Location} is not a Lifeboat repository (no config); create one with 'lifeboat init'");
        }
        var repository = await Repository.Repository.OpenAsync(store, PasswordSource.Read(Parse, confirm: false), cancellationToken);
        if (loadIndex)
        {
            await LoadIndexAsync(repository, cancellationToken);
        }
        return repository;
    }

    private static async Task LoadIndexAsync(Repository.Repository repository, CancellationToken cancellationToken)
    {
        foreach (var warning in await repository.LoadIndexAsync(cancellationToken))
        {
            await Console.Error.WriteLineAsync($"lifeboat: warning: {warning}");
        }
    }

    /// <summary>
    /// Finds a snapshot by "latest" (newest, optionally only those with the given host and paths) or by a unique
    /// prefix of its ID. Throws <see cref="DamagedSnapshotException"/> (exit 4) when the snapshot named is damaged, or
    /// for "latest" when any snapshot is (it may be the newest): an older snapshot is used only when named by its ID.
    /// </summary>
    public static async Task<(Digest Id, Snapshot Snapshot)> FindSnapshotAsync(Repository.Repository repository, string name,
        string? host, IReadOnlyList<string> paths, CancellationToken cancellationToken, string? component = null, string? kind = null)
    {
        var listing = await repository.ListSnapshotsAsync(cancellationToken, name == "latest" ? "" : name.ToLowerInvariant());
        var snapshots = listing.Readable;
        if (name == "latest")
        {
            var candidates = snapshots.Where(s => (host is null || s.Snapshot.Host == host)
                && (component is null || s.Snapshot.Component == component) && (kind is null || s.Snapshot.Source.GetValueOrDefault("kind") == kind)
                && paths.All(p => s.Snapshot.Paths.Contains(Path.GetFullPath(p).TrimEnd('/')))).ToList();
            listing.ThrowIfDamagedCouldBe(name, candidates.Count > 0 ? candidates[^1].Id : null);
            var filter = (component is null ? "" : $" of component '{component}'") + (kind is null ? "" : $" of kind '{kind}'");
            return candidates.Count > 0 ? candidates[^1] : throw new UsageException($"the repository holds no snapshot{filter} that matches 'latest'");
        }
        var matches = snapshots.Where(s => s.Id.ToString().StartsWith(name.ToLowerInvariant(), StringComparison.Ordinal)).ToList();
        if (matches.Count + listing.Damaged.Count > 1)
        {
            throw new UsageException($"'{name}' matches {matches.Count + listing.Damaged.Count} snapshots; give more characters of the ID");
        }
        listing.ThrowIfDamagedCouldBe(name);
        if (kind is not null && matches.Count == 1 && matches[0].Snapshot.Source.GetValueOrDefault("kind") != kind)
        {
            throw new UsageException($"snapshot {matches[0].Id.Short} is a '{matches[0].Snapshot.Source.GetValueOrDefault("kind")}' backup, not '{kind}'");
        }
        return matches.Count == 1 ? matches[0]
            : throw new UsageException($"no snapshot has an ID starting with '{name}'; 'lifeboat snapshots' lists them");
    }

    /// <summary>Writes an object as JSON on stdout.</summary>
    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOutput));
}
