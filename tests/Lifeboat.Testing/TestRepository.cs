using Lifeboat.Chunking;
using Lifeboat.Repository;
using Lifeboat.Storage;

namespace Lifeboat.Testing;

/// <summary>Creates repositories for tests.</summary>
public static class TestRepository
{
    /// <summary>The password test repositories are created with.</summary>
    public const string Password = "correct horse battery staple";

    /// <summary>Small chunks so that small test files still span several chunks and packs.</summary>
    public static ChunkerParameters SmallChunks { get; } = new(16 * 1024, 64 * 1024, 256 * 1024);

    /// <summary>Initialises a repository in <paramref name="store"/>.</summary>
    public static Task<global::Lifeboat.Repository.Repository> InitAsync(IBlobStore store, ChunkerParameters? chunker = null, int packSize = 1024 * 1024) =>
        global::Lifeboat.Repository.Repository.InitAsync(store, Password, RepositoryConfig.Create(chunker ?? SmallChunks, 3, packSize), CancellationToken.None);

    /// <summary>Opens a repository with the test password and loads its index.</summary>
    public static async Task<global::Lifeboat.Repository.Repository> OpenAsync(IBlobStore store)
    {
        var repository = await global::Lifeboat.Repository.Repository.OpenAsync(store, Password, CancellationToken.None);
        await repository.LoadIndexAsync(CancellationToken.None);
        return repository;
    }
}
